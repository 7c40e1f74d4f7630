using System.Globalization;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Sections;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Tests;

/// <summary>E4 and E5 rows of several tasks (the paper profile: Fashion-MNIST MLP and CIFAR-10 CNN) are never mixed.</summary>
public sealed class SetupTests
{
    // Fashion-MNIST: the ensemble beats its members (0.78) by 0.0705 at M = 4; CIFAR-10: it loses 0.48, so any mixing would move E4.1 far from 0.0705.
    private static ExperimentResults WidthSweep()
    {
        var rows = new List<string[]>();
        foreach (var (task, arch, gain) in new[] { ("fashion-mnist", "mlp", 0.05), ("cifar10", "cnn", -0.5) })
        {
            foreach (var m in new[] { 1, 4 })
            {
                for (var rep = 0; rep < 2; rep++)
                {
                    var acc = 0.8 + (m == 4 ? gain : 0) + (rep * 0.001);
                    rows.Add([task, arch, "batch-ensemble", "independent", "1", "16", m.ToString(CultureInfo.InvariantCulture), "1000", "10", F(acc), F(0.78), F(0.9),
                        F(0.6), F(0.03), F(0.1), F(0.9)]);
                }
            }
        }

        return new ExperimentResults
        {
            Name = "width-sweep",
            Exists = true,
            Rows = new CsvTable(ResultLayout.WidthSweep.Rows, rows),
        };
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public void OneFigurePerTaskAndArchitecture()
    {
        var figures = new WidthSweepSection().Figures(WidthSweep()).ToList();

        Assert.Equal(["e4-width-sweep-fashion-mnist-mlp", "e4-width-sweep-cifar10-cnn"], figures.Select(f => f.Id));
        Assert.Contains("cifar10 cnn", figures[1].Caption);
        // Panel (a) of each figure: the mean ensemble accuracy at M = 4 of its own task only.
        Assert.Equal(0.8505, figures[0].Panels[0].Series.Single().Y[1], 6);
        Assert.Equal(0.3005, figures[1].Panels[0].Series.Single().Y[1], 6);
    }

    [Fact]
    public void ClaimsUseTheFirstTaskOnly()
    {
        var claim = new WidthSweepSection().Claims.Single(c => c.Id == "E4.1").Evaluate(WidthSweep());

        Assert.NotNull(claim.Value);
        Assert.Equal(0.0705, claim.Value!.Value.Value, 6);
    }

    [Fact]
    public void TheParameterScatterDrawsTheWidthSweepsRunsOfTheSameSetupButClaimsOnItsOwn()
    {
        var section = new ParamScatterSection();
        var ownRows = new List<string[]>
        {
            new[] { "fashion-mnist", "mlp", "single", "none", "1000", "0.7", "0.7" },
            new[] { "fashion-mnist", "mlp", "single", "none", "4000", "0.8", "0.8" },
            new[] { "fashion-mnist", "mlp", "batch-ensemble", "independent", "1100", "0.9", "0.8" },
        };
        var results = new ExperimentResults
        {
            Name = "param-scatter",
            Exists = true,
            Rows = new CsvTable(section.RowColumns, ownRows),
            Others = new Dictionary<string, ExperimentResults> { ["width-sweep"] = WidthSweep() },
        };

        var figure = section.Figures(results).Single();
        var e4 = figure.Panels[0].Series.Single(s => s.Label == "E4 batch-ensemble");
        Assert.Equal(4, e4.X.Length); // the Fashion-MNIST runs only, not CIFAR-10's
        Assert.Contains("4 runs of E4 width-sweep", figure.Caption);
        Assert.Equal(["single", "batch-ensemble", "E4 batch-ensemble"], figure.Panels[0].Series.Select(s => s.Label));

        // E5.1 reads E5's one BE run: 0.9 above the single-network line at log10(1100).
        var claim = section.Claims.Single(c => c.Id == "E5.1").Evaluate(results);
        double line = 0.7 + ((0.8 - 0.7) / Math.Log10(4)) * Math.Log10(1.1);
        Assert.Equal(0.9 - line, claim.Value!.Value.Value, 9);
    }
}
