using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Tests;

/// <summary>Writes a small results/&lt;profile&gt;/ folder in the results contract's layouts (src/Shared/ResultsContract.cs)
/// for all seven experiments plus a BenchmarkDotNet CSV. Values follow the paper's claims with small deterministic noise,
/// so the claim rules can be tested on known verdicts; the smoke profile's real output checks the layouts themselves
/// (Experiments.Tests, ResultsContractTests).</summary>
public static class ResultsFixture
{
    public static string Create(string parent, string profile = "quick")
    {
        var root = Path.Combine(parent, "results", profile);
        Directory.CreateDirectory(root);
        GpInit(root);
        NtkInit(root);
        Regimes(root);
        WidthSweep(root);
        ParamScatter(root);
        InfiniteWidth(root);
        Hyperparameters(root);
        WhichBatchEnsembleFixture.Write(root);
        Benchmarks(root);
        return root;
    }

    private static double Noise(int i, double scale) => scale * Math.Sin(1.7 * i + 0.3) * 0.5;

    public static void GpInit(string root)
    {
        var w = new ExperimentWriter(root, ResultLayout.GpInit);
        var settings = new (string Name, double U1, string Regime, double Cross)[]
        {
            ("BE sign", 0, RegimeValue.Independent, 0), ("BE gauss(1;0.5)", 1, RegimeValue.Collective, 0.3), ("MCD p=0.5", 1, RegimeValue.Collective, 0.2),
        };
        var i = 0;
        foreach (var s in settings)
        {
            foreach (var width in new[] { 64, 128, 256, 512, 1024 })
            {
                const double same = 0.5, se = 0.01;
                var sameEmp = same + Noise(i++, se);
                var crossEmp = s.Cross + Noise(i++, se);
                w.NamedCell([new()
                {
                    [Column.Setting] = s.Name, [Column.U1] = s.U1, [Column.Regime] = s.Regime, [Column.Width] = width, [Column.Samples] = 200,
                    [Column.SameCovEmp] = sameEmp, [Column.SameCovSe] = se, [Column.SameCovTheory] = same,
                    [Column.CrossCovEmp] = crossEmp, [Column.CrossCovSe] = se, [Column.CrossCovTheory] = s.Cross,
                    [Column.CrossCorrEmp] = crossEmp / sameEmp, [Column.CrossCorrSe] = 0.02, [Column.CrossCorrTheory] = s.Cross / same,
                    [Column.RelErrNngp] = Math.Abs(sameEmp - same) / same, [Column.ExcessKurtosis] = 12.0 / width + Noise(i++, 0.004), [Column.ExcessKurtosisSe] = 0.004,
                }]);
            }
        }

        w.Finish();
    }

    public static void NtkInit(string root)
    {
        var w = new ExperimentWriter(root, ResultLayout.NtkInit);
        var i = 0;
        foreach (var (name, u1, regime, theory) in new[] { ("BE sign", 0.0, RegimeValue.Independent, 0.0), ("BE gauss(1;0.5)", 1.0, RegimeValue.Collective, 0.6) })
        {
            foreach (var width in new[] { 64, 128, 256, 512, 1024 })
            {
                var rows = new List<Dictionary<string, object>>();
                for (var rep = 0; rep < 3; rep++)
                {
                    rows.Add(new()
                    {
                        [Column.Setting] = name, [Column.U1] = u1, [Column.Regime] = regime, [Column.Width] = width,
                        [Column.RelErrCom] = 2 / Math.Sqrt(width) * (1 + Noise(i++, 0.1)), [Column.RelErrInd] = 3 / Math.Sqrt(width) * (1 + Noise(i++, 0.1)),
                        [Column.CrossSameRatioEmp] = theory + Noise(i++, 0.5 / Math.Sqrt(width)), [Column.CrossSameRatioTheory] = theory,
                    });
                }

                w.NamedCell(rows);
            }
        }

        w.Finish();
    }

    public static void Regimes(string root)
    {
        var w = new ExperimentWriter(root, ResultLayout.Regimes);
        var settings = new (string Name, double U1, double Gamma, string Regime, double Gain, double Corr)[]
        {
            ("independent", 0, 4, RegimeValue.Independent, 0.08, 0.3), ("collective", 1, 1, RegimeValue.Collective, 0.02, 0.85),
            ("U1=0 gamma=1", 0, 1, RegimeValue.Mixed, 0.05, 0.5), ("U1=1 gamma=M", 1, 4, RegimeValue.Mixed, 0.03, 0.8),
        };
        var i = 0;
        foreach (var s in settings)
        {
            var rows = new List<Dictionary<string, object>>();
            var epochs = new List<Dictionary<string, object>>();
            for (var rep = 0; rep < 3; rep++)
            {
                var gain = s.Gain + Noise(i++, 0.01);
                var corr = s.Corr + Noise(i++, 0.03);
                rows.Add(Row("regime", s.Name, s.U1, s.Gamma, s.Regime, 0.5, gain, corr));
                for (var epoch = 1; epoch <= 8; epoch++)
                {
                    var f = 1 - Math.Exp(-epoch / 3.0);
                    var g = gain * f;
                    var ens = 1.2 - 0.6 * f + Noise(i++, 0.02);
                    epochs.Add(new()
                    {
                        [Column.Part] = "regime", [Column.Setting] = s.Name, [Column.U1] = s.U1, [Column.Gamma] = s.Gamma, [Column.Members] = 4, [Column.Regime] = s.Regime,
                        [Column.Epoch] = epoch, [Column.TrainLoss] = 1.3 - 0.8 * f, [Column.EnsTestLoss] = ens, [Column.MemberTestLoss] = ens + g,
                        [Column.EnsTestAcc] = 0.5 + 0.3 * f, [Column.MemberTestAcc] = 0.5 + 0.3 * f - g, [Column.Disagreement] = 0.2 * (1 - corr),
                        [Column.Correlation] = corr * f + 0.1, [Column.EnsembleGain] = g,
                    });
                }
            }

            w.NamedCell(rows, epochs);
        }

        // The transition at γ = M (4) and at γ = 1.
        foreach (var gamma in new[] { 4, 1 })
        {
            foreach (var u1 in new[] { 0, 0.25, 0.5, 0.75, 1 })
            {
                var rows = new List<Dictionary<string, object>>();
                for (var rep = 0; rep < 2; rep++)
                {
                    string regime = gamma == 4 ? (u1 == 0 ? RegimeValue.Independent : RegimeValue.Mixed) : (u1 == 0 ? RegimeValue.Mixed : RegimeValue.Collective);
                    rows.Add(Row("transition", $"U1={u1}; gamma={gamma}", u1, gamma, regime, 0.5,
                        0.08 - 0.06 * u1 + Noise(i++, 0.006), 0.3 + 0.5 * u1 + Noise(i++, 0.03)));
                }

                w.NamedCell(rows);
            }
        }

        w.Finish();

        static Dictionary<string, object> Row(string part, string name, double u1, double gamma, string regime, double loss, double gain, double corr) => new()
        {
            [Column.Part] = part, [Column.Setting] = name, [Column.U1] = u1, [Column.Gamma] = gamma, [Column.Members] = 4, [Column.Regime] = regime,
            [Column.EnsTestLoss] = loss, [Column.MemberTestLoss] = loss + gain, [Column.EnsTestAcc] = 0.8 + gain, [Column.MemberTestAcc] = 0.8,
            [Column.Disagreement] = 0.2 * (1 - corr), [Column.Correlation] = corr, [Column.EnsembleGain] = gain,
        };
    }

    public static void WidthSweep(string root)
    {
        var w = new ExperimentWriter(root, ResultLayout.WidthSweep);
        var i = 0;
        foreach (var family in new[] { "batch-ensemble", "independent" })
        {
            foreach (var mult in new[] { 0.5, 1, 2 })
            {
                foreach (var m in new[] { 1, 2, 4, 8 })
                {
                    var rows = new List<Dictionary<string, object>>();
                    for (var rep = 0; rep < 2; rep++)
                    {
                        // BatchEnsemble members lose accuracy with M at small width only (shared weights), as the seed figure shows.
                        var member = 0.7 + 0.03 * Math.Log2(mult) - (family == "batch-ensemble" ? 0.01 * Math.Log2(m) / (mult * mult) : 0) + Noise(i++, 0.004);
                        var ens = member + (m > 1 ? 0.015 * Math.Log2(m) : 0) + Noise(i++, 0.002);
                        var width = (int)(128 * mult);
                        rows.Add(new()
                        {
                            [Column.Task] = "synthetic", [Column.Architecture] = "mlp", [Column.Family] = family,
                            [Column.Regime] = family == "batch-ensemble" ? RegimeValue.Independent : RegimeValue.None,
                            [Column.WidthMult] = mult, [Column.Width] = width, [Column.Members] = m,
                            [Column.Params] = family == "batch-ensemble" ? width * width * 3 + m * width * 6 : m * width * width * 3,
                            [Column.Epochs] = 12, [Column.EnsTestAcc] = ens, [Column.MemberTestAcc] = member, [Column.MemberTrainAcc] = member + 0.15,
                            [Column.EnsTestNll] = 1.2 - ens, [Column.EnsTestEce] = 0.03, [Column.Disagreement] = m > 1 ? 0.1 : 0, [Column.Correlation] = m > 1 ? 0.9 : 1,
                        });
                    }

                    w.NamedCell(rows);
                }
            }
        }

        w.Finish();
    }

    public static void ParamScatter(string root)
    {
        var w = new ExperimentWriter(root, ResultLayout.ParamScatter);
        var i = 0;
        Dictionary<string, object> Row(string family, string regime, string setting, int width, int members, double p, double ens, double member) => new()
        {
            [Column.Task] = "synthetic", [Column.Architecture] = "mlp", [Column.Family] = family, [Column.Regime] = regime, [Column.Setting] = setting,
            [Column.Width] = width, [Column.Members] = members, [Column.Params] = p, [Column.Epochs] = 12, [Column.EnsTestAcc] = ens, [Column.MemberTestAcc] = member,
            [Column.MemberTrainAcc] = member + 0.1,
        };
        var rows = new List<Dictionary<string, object>>();
        foreach (var width in new[] { 32, 64, 128, 256, 512, 1024 })
        {
            double p = width * width * 3;
            rows.Add(Row("single", RegimeValue.None, "M=1", width, 1, p, 0.45 + 0.05 * Math.Log10(p) + Noise(i++, 0.004), 0.45 + 0.05 * Math.Log10(p)));
        }

        w.NamedCell(rows);
        foreach (var (family, regime, setting, bonus) in new[]
        {
            ("batch-ensemble", RegimeValue.Independent, "independent", 0.03), ("mc-dropout", RegimeValue.Collective, "p=0.5", 0.005),
            ("batch-ensemble", RegimeValue.Collective, "gauss(1;0.5)", 0.01),
        })
        {
            rows = [];
            foreach (var width in new[] { 64, 128, 256, 512 })
            {
                double p = width * width * 3 + 4 * width * 6;
                var acc = 0.45 + 0.05 * Math.Log10(p) + bonus + Noise(i++, 0.004);
                rows.Add(Row(family, regime, setting, width, 4, p, acc, acc - bonus));
            }

            w.NamedCell(rows);
        }

        w.Finish();
    }

    public static void InfiniteWidth(string root)
    {
        var w = new ExperimentWriter(root, ResultLayout.InfiniteWidth);
        var i = 0;
        foreach (var (regime, floor, slope) in new[] { (RegimeValue.Independent, 0.1, 0.4), (RegimeValue.Collective, 0.2, 0.3) })
        {
            foreach (var width in new[] { 0, 256, 1024 })
            {
                var rows = new List<Dictionary<string, object>>();
                foreach (var m in new[] { 1, 2, 4, 8, 16, 32 })
                {
                    var theory = floor + slope / m;
                    rows.Add(new()
                    {
                        [Column.Regime] = regime, [Column.Family] = "BE", [Column.Width] = width, [Column.Members] = m,
                        [Column.TestMse] = width == 0 ? theory : theory + 1.0 / Math.Sqrt(width) + Noise(i++, 0.0004), [Column.TestMseSe] = width == 0 ? 0 : 0.002,
                    });
                }

                w.NamedCell(rows);
            }
        }

        w.Finish();
    }

    public static void Hyperparameters(string root)
    {
        var w = new ExperimentWriter(root, ResultLayout.Hyperparameters);
        var i = 0;
        var design = new (string Factor, string Level, double U1, string Regime, double Gain, double Corr)[]
        {
            ("gamma", "1", 0, RegimeValue.Mixed, 0.02, 0.8), ("gamma", "sqrt(M)", 0, RegimeValue.Mixed, 0.05, 0.55), ("gamma", "M", 0, RegimeValue.Independent, 0.08, 0.3),
            ("law", "sign(1)", 0, RegimeValue.Independent, 0.08, 0.3), ("law", "gauss(1;0.5)", 1, RegimeValue.Mixed, 0.03, 0.7), ("law", "const(1)", 1, RegimeValue.Mixed, 0.0, 0.97),
            ("parameterization", "ntk", 0, RegimeValue.Independent, 0.08, 0.3), ("parameterization", "standard", 0, RegimeValue.Independent, 0.06, 0.35),
        };
        foreach (var d in design)
        {
            var rows = new List<Dictionary<string, object>>();
            for (var rep = 0; rep < 3; rep++)
            {
                rows.Add(new()
                {
                    [Column.Factor] = d.Factor, [Column.Level] = d.Level, [Column.U1] = d.U1, [Column.Regime] = d.Regime,
                    [Column.EnsembleGain] = d.Gain + Noise(i++, 0.01), [Column.Correlation] = d.Corr + Noise(i++, 0.03), [Column.EnsTestAcc] = 0.8 + d.Gain,
                });
            }

            w.NamedCell(rows);
        }

        w.Finish();
    }

    public static void Benchmarks(string root)
    {
        var dir = Path.Combine(root, "benchmarks");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "EEArtifacts.Benchmarks.ForwardBenchmarks-report.csv"),
            "Method,Job,Runtime,M,Width,Mean,Error,StdDev,Ratio,RatioSD,Allocated\n" +
            "IndependentEnsemble,DefaultJob,.NET 10.0,4,256,\"1,234.5 us\",10.2 us,9.1 us,1.00,0.00,1.2 KB\n" +
            "BatchEnsemble,DefaultJob,.NET 10.0,4,256,612.3 us,5.1 us,4.2 us,0.50,0.01,1.1 KB\n" +
            "IndependentEnsemble,DefaultJob,.NET 10.0,8,256,\"2,470.0 us\",20.1 us,18.0 us,1.00,0.00,2.3 KB\n" +
            "BatchEnsemble,DefaultJob,.NET 10.0,8,256,700.1 us,6.0 us,5.0 us,0.28,0.01,1.2 KB\n");
    }
}

/// <summary>Writes one experiment's folder: experiment.json and per cell .rows.csv, optional .epochs.csv,
/// .timing.json and the .json written last.</summary>
public sealed class ExperimentWriter(string root, string name, string rowColumns, string? epochColumns = null)
{
    private readonly ResultLayout? _layout;

    /// <summary>A writer for an experiment of the results contract: rows are given by column name.</summary>
    internal ExperimentWriter(string root, ResultLayout layout)
        : this(root, layout.Experiment, string.Join(",", layout.Rows), layout.Epochs.Length > 0 ? string.Join(",", layout.Epochs) : null) =>
        _layout = layout;

    /// <summary>Writes a cell whose rows name their values by column; each must hold exactly the layout's columns.</summary>
    public string NamedCell(IReadOnlyList<Dictionary<string, object>> rows, IReadOnlyList<Dictionary<string, object>>? epochs = null)
    {
        var layout = _layout ?? throw new InvalidOperationException("named rows need a writer made from a ResultLayout");
        return Cell(rows.Select(r => Ordered(r, layout.Rows)).ToList(), epochs?.Select(r => Ordered(r, layout.Epochs)).ToList());
    }

    private static string Ordered(Dictionary<string, object> row, string[] columns)
    {
        Assert.Equal(columns.Order(StringComparer.Ordinal), row.Keys.Order(StringComparer.Ordinal));
        return string.Join(",", columns.Select(c => row[c] switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString(),
        }));
    }

    private readonly string _dir = Path.Combine(root, name);
    private int _cells;

    public int? DeclaredCells { get; set; }

    public string Cell(IReadOnlyList<string> rows, IReadOnlyList<string>? epochs = null, string status = "ok")
    {
        var cells = Path.Combine(_dir, "cells");
        Directory.CreateDirectory(cells);
        var index = _cells++;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{name}/{index}")))[..12];
        var stem = Path.Combine(cells, $"{index:D4}-{hash}");
        var seed = 1000 * (index + 1);
        File.WriteAllText(stem + ".rows.csv", Csv(rowColumns, rows, index, seed));
        if (epochs is not null && epochColumns is not null)
        {
            File.WriteAllText(stem + ".epochs.csv", Csv(epochColumns, epochs, index, seed));
        }

        File.WriteAllText(stem + ".timing.json", $"{{\"wall_seconds\": {1.5 + index % 3}, \"load_avg\": 1.2}}");
        File.WriteAllText(stem + ".json",
            $"{{\"experiment\":\"{name}\",\"cell\":{index},\"hash\":\"{hash}\",\"seed\":{seed},\"status\":\"{status}\",\"config\":{{\"index\":{index}}}," +
            "\"provenance\":{\"git_commit\":\"0123456789ab\",\"profile\":\"quick\",\"device\":\"cpu\",\"threads\":2,\"torchsharp\":\"0.107.0\",\"libtorch\":\"2.10.0\",\"dotnet\":\"10.0.0\",\"os\":\"Linux\"}}");
        return stem;
    }

    private string Csv(string columns, IReadOnlyList<string> rows, int index, int seed)
    {
        var sb = new StringBuilder("experiment,cell,repeat,seed," + columns + "\n");
        for (var r = 0; r < rows.Count; r++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{name},{index},{r},{seed + r},{rows[r]}\n");
        }

        return sb.ToString();
    }

    public void Finish() =>
        File.WriteAllText(Path.Combine(_dir, "experiment.json"),
            $"{{\"name\":\"{name}\",\"claim\":\"fixture claim for {name}\",\"profile\":\"quick\",\"cells\":{DeclaredCells ?? _cells}}}");
}
