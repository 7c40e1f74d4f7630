using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Sections;

/// <summary>E5 param-scatter: panel (d) of the seed's figure.</summary>
public sealed class ParamScatterSection : ExperimentSection
{
    private const string Task = Column.Task, Architecture = Column.Architecture, Family = Column.Family, Params = Column.Params, EnsAcc = Column.EnsTestAcc;

    /// <summary>The family of single networks (M = 1) the ensembles are compared with.</summary>
    public const string SingleFamily = "single";

    /// <summary>The embedded-ensemble family tested against single networks, in the independent regime.</summary>
    public const string EnsembleFamily = "batch-ensemble";

    public override string Experiment => ResultLayout.ParamScatter.Experiment;

    public override string Id => "E5";

    public override string Title => "E5 param-scatter: accuracy against the number of parameters";

    public override string Shows =>
        "Test accuracy against the absolute number of parameters for every configuration of E4, single networks over many widths, MC-dropout ensembles and collective BatchEnsembles: " +
        "is an embedded ensemble a better use of a parameter budget than one wider network? One figure per task and architecture; the claims use the first task in cell order.";

    public override IReadOnlyList<string> RowColumns => [Task, Architecture, Family, Column.Regime, Params, EnsAcc, Column.MemberTestAcc];

    public override IReadOnlyList<ClaimRule> Claims =>
    [
        new PositiveRule("E5.1", $"At equal parameter count, {EnsembleFamily} ensembles in the independent regime beat single networks", "Figure panel (d)",
            $"mean residual of {EnsembleFamily} rows of regime {RegimeValue.Independent}: ens_test_acc above the least-squares line of single networks' accuracy on log10(params), first task; SE combines SD/sqrt(n) of the residuals and the line's own SE at their mean log10(params)", 2,
            Residual, Margins.SameAccuracy)
        {
            Redesign = "the SE now includes the single-network line's own SE (it was left out); " + WidthSweepSection.SmallestEffect,
        },
        new PositiveRule("E5.2", "Accuracy grows with the number of parameters (single networks)", "Figure panel (d)",
            $"change of ens_test_acc across the single networks' parameter range: OLS slope on log10(params) over family {SingleFamily} times the range of log10(params), first task; SE from the residuals", 2,
            Growth, Margins.SameAccuracy)
        {
            Redesign = "the statistic was the slope per decade; it is now the fitted change across the single networks' range, an accuracy difference set against the margin; " + WidthSweepSection.SmallestEffect,
        },
    ];

    /// <summary>E4's configurations (every width and M) join the scatter, as the catalogue asks.</summary>
    public override IReadOnlyList<string> FiguresAlsoRead => [WidthSweep];

    private static readonly string WidthSweep = ResultLayout.WidthSweep.Experiment;

    public override IEnumerable<FigureSpec> Figures(ExperimentResults results)
    {
        var setups = Data.Setups(results.Rows.Rows);
        var e4 = results.Others.TryGetValue(WidthSweep, out var w) && w.HasRows && w.Rows.MissingColumns(RowColumns).Count == 0
            ? w.Rows.Rows : [];
        foreach (var setup in setups)
        {
            var rows = Data.OfSetup(results.Rows.Rows, setup);
            var e4Rows = Data.OfSetup(e4, setup);
            var fig = new FigureSpec
            {
                Id = setups.Count == 1 ? "e5-param-scatter" : "e5-param-scatter-" + setup.Replace(' ', '-'),
                Caption = $"E5 param-scatter, {setup}. Ensemble test accuracy (a) and mean member test accuracy (b) against the number of parameters (log scale); one marker per run, one colour and shape per family. " +
                    (e4Rows.Count > 0
                        ? $"Series \"E4 ...\" are the {e4Rows.Count} runs of E4 width-sweep (every width and M, M = 1 included) on the same setup; the claims below use E5's own runs."
                        : "E4 width-sweep has no runs on this setup, so its configurations are not drawn."),
            };
            // The points fill every corner: one legend, beside the second panel.
            var panels = new List<PanelSpec>();
            foreach (var (title, column, legend) in new[] { ("(a) ensemble test accuracy", EnsAcc, LegendPlacement.None), ("(b) member test accuracy", Column.MemberTestAcc, LegendPlacement.Outside) })
            {
                var p = new PanelSpec { Title = title, XLabel = "parameters", YLabel = "accuracy", LogX = true, Legend = legend };
                foreach (var (prefix, source) in new[] { ("", rows), ("E4 ", e4Rows) })
                {
                    foreach (var (name, sub) in ByFamilyAndRegime(source))
                    {
                        p.Series.Add(new SeriesSpec(prefix + name, sub.Select(r => r.D(Params)).ToArray(), sub.Select(r => r.D(column)).ToArray(), null, SeriesStyle.Markers));
                    }
                }

                panels.Add(p);
            }

            PanelSpec.ShareY(panels);
            fig.Panels.AddRange(panels);
            yield return fig;
        }
    }

    /// <summary>One series per family, split by regime where a family runs in more than one (BatchEnsemble in E5).</summary>
    private static IEnumerable<(string Name, List<CsvRow> Rows)> ByFamilyAndRegime(IReadOnlyList<CsvRow> rows)
    {
        foreach (var f in Data.Distinct(rows, Family))
        {
            var family = rows.Where(r => r.S(Family) == f).ToList();
            var regimes = Data.Distinct(family, Column.Regime);
            foreach (var regime in regimes)
            {
                yield return (regimes.Count == 1 ? f : $"{f} ({regime})", family.Where(r => RegimeColumn.Is(r, regime)).ToList());
            }
        }
    }

    private static List<CsvRow> Singles(ExperimentResults r) =>
        Data.FirstSetup(r.Rows.Rows).Where(x => x.S(Family) == SingleFamily && x.D(Params) > 0).ToList();

    private static LineFit SingleFit(List<CsvRow> single) =>
        Stat.Fit(single.Select(x => Math.Log10(x.D(Params))).ToList(), single.Select(x => x.D(EnsAcc)).ToList());

    /// <summary>The fitted accuracy change from the smallest to the largest single network: an accuracy difference, to
    /// set against the margin for equal accuracies.</summary>
    private static StatOutcome Growth(ExperimentResults r)
    {
        var single = Singles(r);
        var fit = SingleFit(single);
        if (!double.IsFinite(fit.Slope))
        {
            return StatOutcome.Missing($"no fit over {single.Count} single-network rows");
        }

        var logs = single.Select(x => Math.Log10(x.D(Params))).ToList();
        var span = logs.Max() - logs.Min();
        return StatOutcome.Of(new Measurement(fit.Slope * span, fit.SlopeSe * span, fit.N),
            $"{single.Count} single networks, {Data.Levels(single, Params).Count} widths per repeat, over {Data.Num(span)} decades of parameters; slope {Data.Num(fit.Slope)} ± {Data.Num(fit.SlopeSe)} per decade");
    }

    private static StatOutcome Residual(ExperimentResults r)
    {
        var single = Singles(r);
        var ens = Data.FirstSetup(r.Rows.Rows).Where(x => x.D(Params) > 0 && x.S(Family) == EnsembleFamily && RegimeColumn.Is(x, RegimeValue.Independent)).ToList();
        if (single.Count < 2 || ens.Count == 0)
        {
            return StatOutcome.Missing($"need ≥ 2 '{SingleFamily}' rows and some independent-regime '{EnsembleFamily}' rows (found {single.Count}, {ens.Count})");
        }

        var fit = SingleFit(single);
        if (!double.IsFinite(fit.Slope))
        {
            return StatOutcome.Missing("single networks span one parameter count only");
        }

        // Mean residual = mean ensemble accuracy − the line at the ensembles' mean log10(params): the two SEs add in quadrature.
        var residuals = Stat.MeanSe(ens.Select(x => x.D(EnsAcc) - (fit.Intercept + fit.Slope * Math.Log10(x.D(Params)))));
        var line = fit.At(ens.Average(x => Math.Log10(x.D(Params))));
        var se = Math.Sqrt(residuals.Uncertainty * residuals.Uncertainty + line.Uncertainty * line.Uncertainty);
        return StatOutcome.Of(residuals with { Uncertainty = se },
            $"{ens.Count} {EnsembleFamily} rows, {Data.Levels(ens, Params).Count} widths per repeat (residual SE {Data.Num(residuals.Uncertainty)}) vs a fit over {single.Count} single networks (line SE {Data.Num(line.Uncertainty)})");
    }
}
