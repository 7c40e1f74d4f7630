using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Tests.Support;

/// <summary>Progress that shows nothing: for tests that run the runner in process.</summary>
public sealed class SilentProgress : IRunProgress
{
    /// <inheritdoc />
    public T Show<T>(Func<IRunProgress, T> work) => work(this);
    /// <inheritdoc />
    public void BeginExperiment(string name, IReadOnlyList<double> cellWeights, int skipped) { }
    /// <inheritdoc />
    public void CellDone(string experiment, string label, double weight, TimeSpan elapsed, bool diverged) { }
    /// <inheritdoc />
    public void CellSkipped(string experiment, string label, double weight, string reason) { }
}
