namespace EEArtifacts.Reporting.Tests;

/// <summary>One full fixture and one generated report shared by the tests that only read it.</summary>
public sealed class ReportFixture : IDisposable
{
    public ReportFixture()
    {
        // EE_REPORT_KEEP=DIR keeps the fixture and its report there for a person to look at.
        _keep = Environment.GetEnvironmentVariable("EE_REPORT_KEEP");
        Root = string.IsNullOrEmpty(_keep) ? Path.Combine(Path.GetTempPath(), "ee-report-tests-" + Guid.NewGuid().ToString("N")[..8]) : _keep;
        Results = ResultsFixture.Create(Root);
        Out = Path.Combine(Root, "paper", "quick");
        Outcome = ReportGenerator.Generate(new ReportOptions(Results, Out));
    }

    private readonly string? _keep;

    public string Root { get; }

    public string Results { get; }

    public string Out { get; }

    public ReportOutcome Outcome { get; }

    public void Dispose()
    {
        if (!string.IsNullOrEmpty(_keep))
        {
            return;
        }

        try
        {
            Directory.Delete(Root, true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition("report")]
public sealed class ReportCollection : ICollectionFixture<ReportFixture>;
