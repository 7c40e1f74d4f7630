using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EEArtifacts.Reporting.Tests;

/// <summary>Writes a small results/&lt;profile&gt;/ folder per docs/RESULTS.md for all seven experiments
/// plus a BenchmarkDotNet CSV. Values follow the paper's claims with small deterministic noise.</summary>
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
        var w = new ExperimentWriter(root, "gp-init",
            "setting,u1,regime,width,samples,same_cov_emp,same_cov_se,same_cov_theory,cross_cov_emp,cross_cov_se,cross_cov_theory,cross_corr_emp,cross_corr_se,cross_corr_theory,rel_err_nngp,excess_kurtosis,excess_kurtosis_se");
        var settings = new (string Name, double U1, string Regime, double Cross)[] { ("BE sign", 0, "independent", 0), ("BE gauss(1;0.5)", 1, "collective", 0.3), ("MCD p=0.5", 1, "collective", 0.2) };
        var i = 0;
        foreach (var s in settings)
        {
            foreach (var width in new[] { 64, 128, 256, 512, 1024 })
            {
                const double same = 0.5, se = 0.01;
                var sameEmp = same + Noise(i++, se);
                var crossEmp = s.Cross + Noise(i++, se);
                var corr = crossEmp / sameEmp;
                var kurt = 12.0 / width + Noise(i++, 0.004);
                w.Cell([$"{s.Name},{s.U1},{s.Regime},{width},200,{sameEmp:R},{se},{same},{crossEmp:R},{se},{s.Cross},{corr:R},0.02,{s.Cross / same:R},{Math.Abs(sameEmp - same) / same:R},{kurt:R},0.004"]);
            }
        }

        w.Finish();
    }

    public static void NtkInit(string root)
    {
        var w = new ExperimentWriter(root, "ntk-init", "setting,u1,regime,width,rel_err_com,rel_err_ind,cross_same_ratio_emp,cross_same_ratio_theory");
        var i = 0;
        foreach (var (name, u1, regime, theory) in new[] { ("BE sign", 0.0, "independent", 0.0), ("BE gauss(1;0.5)", 1.0, "collective", 0.6) })
        {
            foreach (var width in new[] { 64, 128, 256, 512, 1024 })
            {
                var rows = new List<string>();
                for (var rep = 0; rep < 3; rep++)
                {
                    var com = 2 / Math.Sqrt(width) * (1 + Noise(i++, 0.1));
                    var ind = 3 / Math.Sqrt(width) * (1 + Noise(i++, 0.1));
                    var ratio = theory + Noise(i++, 0.5 / Math.Sqrt(width));
                    rows.Add($"{name},{u1},{regime},{width},{com:R},{ind:R},{ratio:R},{theory}");
                }

                w.Cell(rows);
            }
        }

        w.Finish();
    }

    public static void Regimes(string root)
    {
        var w = new ExperimentWriter(root, "regimes",
            "part,setting,u1,gamma,members,regime,ens_test_loss,member_test_loss,ens_test_acc,member_test_acc,disagreement,correlation,ensemble_gain",
            "part,setting,u1,gamma,members,regime,epoch,train_loss,ens_test_loss,member_test_loss,ens_test_acc,member_test_acc,disagreement,correlation,ensemble_gain");
        var settings = new (string Name, double U1, double Gamma, string Regime, double Gain, double Corr)[]
        {
            ("independent", 0, 4, "independent", 0.08, 0.3), ("collective", 1, 1, "collective", 0.02, 0.85),
            ("U1=0 gamma=1", 0, 1, "mixed", 0.05, 0.5), ("U1=1 gamma=M", 1, 4, "mixed", 0.03, 0.8),
        };
        var i = 0;
        foreach (var s in settings)
        {
            var rows = new List<string>();
            var epochs = new List<string>();
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
                    epochs.Add(string.Create(CultureInfo.InvariantCulture,
                        $"regime,{s.Name},{s.U1},{s.Gamma},4,{s.Regime},{epoch},{1.3 - 0.8 * f:R},{ens:R},{ens + g:R},{0.5 + 0.3 * f:R},{0.5 + 0.3 * f - g:R},{0.2 * (1 - corr):R},{corr * f + 0.1:R},{g:R}"));
                }
            }

            w.Cell(rows, epochs);
        }

        foreach (var u1 in new[] { 0, 0.25, 0.5, 0.75, 1 })
        {
            var rows = new List<string>();
            for (var rep = 0; rep < 2; rep++)
            {
                rows.Add(Row("transition", $"U1={u1}", u1, 1, u1 == 0 ? "mixed" : "collective", 0.5, 0.08 - 0.06 * u1 + Noise(i++, 0.006), 0.3 + 0.5 * u1 + Noise(i++, 0.03)));
            }

            w.Cell(rows);
        }

        w.Finish();

        static string Row(string part, string name, double u1, double gamma, string regime, double loss, double gain, double corr) =>
            string.Create(CultureInfo.InvariantCulture,
                $"{part},{name},{u1},{gamma},4,{regime},{loss:R},{loss + gain:R},{0.8 + gain:R},{0.8:R},{0.2 * (1 - corr):R},{corr:R},{gain:R}");
    }

    public static void WidthSweep(string root)
    {
        var w = new ExperimentWriter(root, "width-sweep", "task,architecture,family,regime,width_mult,width,members,params,ens_test_acc,member_test_acc,member_train_acc");
        var i = 0;
        foreach (var family in new[] { "batch-ensemble", "independent" })
        {
            foreach (var mult in new[] { 0.5, 1, 2 })
            {
                foreach (var m in new[] { 1, 2, 4, 8 })
                {
                    var rows = new List<string>();
                    for (var rep = 0; rep < 2; rep++)
                    {
                        var member = 0.7 + 0.03 * Math.Log2(mult) - (family == "batch-ensemble" ? 0.005 * Math.Log2(m) : 0) + Noise(i++, 0.004);
                        var ens = member + (m > 1 ? 0.015 * Math.Log2(m) : 0) + Noise(i++, 0.002);
                        var width = (int)(128 * mult);
                        var pars = family == "batch-ensemble" ? width * width * 3 + m * width * 6 : m * width * width * 3;
                        rows.Add(string.Create(CultureInfo.InvariantCulture, $"synthetic,mlp,{family},{(family == "batch-ensemble" ? "independent" : "none")},{mult},{width},{m},{pars},{ens:R},{member:R},{member + 0.15:R}"));
                    }

                    w.Cell(rows);
                }
            }
        }

        w.Finish();
    }

    public static void ParamScatter(string root)
    {
        var w = new ExperimentWriter(root, "param-scatter", "task,architecture,family,regime,setting,width,members,params,ens_test_acc,member_test_acc");
        var i = 0;
        var rows = new List<string>();
        foreach (var width in new[] { 32, 64, 128, 256, 512, 1024 })
        {
            double p = width * width * 3;
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"synthetic,mlp,single,none,M=1,{width},1,{p},{0.45 + 0.05 * Math.Log10(p) + Noise(i++, 0.004):R},{0.45 + 0.05 * Math.Log10(p):R}"));
        }

        w.Cell(rows);
        foreach (var (family, regime, setting, bonus) in new[] { ("batch-ensemble", "independent", "independent", 0.03), ("mc-dropout", "collective", "p=0.5", 0.005), ("batch-ensemble", "collective", "gauss(1;0.5)", 0.01) })
        {
            rows = [];
            foreach (var width in new[] { 64, 128, 256, 512 })
            {
                double p = width * width * 3 + 4 * width * 6;
                var acc = 0.45 + 0.05 * Math.Log10(p) + bonus + Noise(i++, 0.004);
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"synthetic,mlp,{family},{regime},{setting},{width},4,{p},{acc:R},{acc - bonus:R}"));
            }

            w.Cell(rows);
        }

        w.Finish();
    }

    public static void InfiniteWidth(string root)
    {
        var w = new ExperimentWriter(root, "infinite-width", "regime,family,width,members,test_mse,test_mse_se");
        var i = 0;
        foreach (var (regime, floor, slope) in new[] { ("independent", 0.1, 0.4), ("collective", 0.2, 0.3) })
        {
            foreach (var width in new[] { 0, 256, 1024 })
            {
                var rows = new List<string>();
                foreach (var m in new[] { 1, 2, 4, 8, 16, 32 })
                {
                    var theory = floor + slope / m;
                    var mse = width == 0 ? theory : theory + 1.0 / Math.Sqrt(width) + Noise(i++, 0.0004);
                    var se = width == 0 ? 0 : 0.002;
                    rows.Add(string.Create(CultureInfo.InvariantCulture, $"{regime},BE,{width},{m},{mse:R},{se:R}"));
                }

                w.Cell(rows);
            }
        }

        w.Finish();
    }

    public static void Hyperparameters(string root)
    {
        var w = new ExperimentWriter(root, "hyperparameters", "factor,level,u1,regime,ensemble_gain,correlation,ens_test_acc");
        var i = 0;
        var design = new (string Factor, string Level, double U1, string Regime, double Gain, double Corr)[]
        {
            ("gamma", "1", 0, "mixed", 0.02, 0.8), ("gamma", "sqrt(M)", 0, "mixed", 0.05, 0.55), ("gamma", "M", 0, "independent", 0.08, 0.3),
            ("law", "sign(1)", 0, "independent", 0.08, 0.3), ("law", "gauss(1;0.5)", 1, "mixed", 0.03, 0.7), ("law", "const(1)", 1, "mixed", 0.0, 0.97),
            ("parameterization", "ntk", 0, "independent", 0.08, 0.3), ("parameterization", "standard", 0, "independent", 0.06, 0.35),
        };
        foreach (var d in design)
        {
            var rows = new List<string>();
            for (var rep = 0; rep < 3; rep++)
            {
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"{d.Factor},{d.Level},{d.U1},{d.Regime},{d.Gain + Noise(i++, 0.01):R},{d.Corr + Noise(i++, 0.03):R},{0.8 + d.Gain:R}"));
            }

            w.Cell(rows);
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
