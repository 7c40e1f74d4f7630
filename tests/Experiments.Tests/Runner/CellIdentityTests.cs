using System.Text.Json;
using EEArtifacts.Experiments.Catalogue;
using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.Experiments.Tests.Runner;

/// <summary>A cell's identity (hash and seed) is its configuration: labels and derived properties stay out of it.</summary>
public sealed class CellIdentityTests
{
    // Two cells with the same configuration and differently worded labels.
    private sealed record Worded(int Size, int Repeat) : ICell
    {
        public string Label => $"size={Size} repeat={Repeat}";
        public void Validate() { }
    }

    private sealed record Reworded(int Size, int Repeat) : ICell
    {
        public string Label => $"a cell of {Size} numbers, repeat {Repeat}";
        public void Validate() { }
    }

    private static long Seed<TCell>(TCell cell) where TCell : ICell
    {
        var experiment = new Experiment<TCell>("identity", "claim", _ => [cell], (_, _) => throw new InvalidOperationException());
        return Seeds.ForCell(experiment.Name, experiment.Plan(Profile.Smoke).Single().ConfigJson);
    }

    [Fact]
    public void RenamingALabelLeavesTheSeedUnchangedAndChangingAFieldChangesIt()
    {
        Assert.Equal(Seed(new Worded(3, 0)), Seed(new Reworded(3, 0)));
        Assert.NotEqual(Seed(new Worded(3, 0)), Seed(new Worded(4, 0)));
        Assert.NotEqual(Seed(new Worded(3, 0)), Seed(new Worded(3, 1)));
    }

    [Fact]
    public void ARealFieldOfATrainingCellChangesItsSeedAndItsRegimeFollowsTheLaws()
    {
        Regimes.Cell cell = Regimes.Definition.Grid(Profile.Smoke).First(c => c.Train.Regime == OperatingRegime.Independent);
        Assert.NotEqual(Seed(cell), Seed(cell with { Train = cell.Train with { Width = cell.Train.Width + 1 } }));
        Regimes.Cell collective = cell with { Train = cell.Train with { ULaw = new GaussLaw(1, 0.5), Gamma = GammaRule.One } };
        Assert.NotEqual(Seed(cell), Seed(collective));
        Assert.Equal(OperatingRegime.Collective, collective.Train.Regime);
    }

    public static TheoryData<string> Experiments() => [.. ExperimentCatalogue.All.Select(e => e.Name)];

    [Theory]
    [MemberData(nameof(Experiments))]
    public void CatalogueCellsHoldOnlyTheirConfiguration(string name)
    {
        IExperiment experiment = ExperimentCatalogue.All.Single(e => e.Name == name);
        foreach (Profile profile in Enum.GetValues<Profile>())
        {
            foreach (PlannedCell cell in experiment.Plan(profile))
            {
                var names = new List<string>();
                Collect(JsonDocument.Parse(cell.ConfigJson).RootElement, names);
                Assert.DoesNotContain("label", names);
                Assert.DoesNotContain("kernel_rule", names);
                Assert.DoesNotContain("is_regression", names);
                Assert.DoesNotContain("u1", names);
                Assert.DoesNotContain("regime", names);
            }
        }
    }

    [Fact]
    public void LawsGammaAndActivationsAreWrittenInTheirTextForm()
    {
        Regimes.Cell cell = Regimes.Definition.Grid(Profile.Smoke).First(c => c.Train.Regime == OperatingRegime.Collective); // smoke: the synthetic task
        JsonElement train = JsonDocument.Parse(CanonicalJson.Configuration(cell)).RootElement.GetProperty("train");
        Assert.Equal("gauss(1,0.5)", train.GetProperty("u_law").GetString());
        Assert.Equal("1", train.GetProperty("gamma").GetString());
        Assert.Equal("tanh", train.GetProperty("synthetic").GetProperty("teacher_activation").GetString());
    }

    private static void Collect(JsonElement element, List<string> names)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in element.EnumerateObject())
            {
                names.Add(p.Name);
                Collect(p.Value, names);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement e in element.EnumerateArray())
            {
                Collect(e, names);
            }
        }
    }
}
