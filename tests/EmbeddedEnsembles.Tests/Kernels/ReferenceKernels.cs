using EmbeddedEnsembles.Descriptions;
using DD = EEArtifacts.EmbeddedEnsembles.Tests.Kernels.DoubleDouble;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

/// <summary>
/// An independent implementation of THEORY.md section 2 in double-double arithmetic, for ReLU (every law, through its
/// moments V2, Vp, Vm, Pnz), erf (discrete laws, through their atoms), and tanh and GELU (discrete laws through their
/// atoms, Gaussian v laws through SmoothReference's composite rule in v). Written from the formulas, in their plain
/// forms (theta from the Gram determinant 1 - rho^2, D = A B - 4 a^2 b^2 k12^2): at 32 digits cancellation costs
/// nothing, so it checks the library's digit-keeping forms.
/// </summary>
internal static class ReferenceKernels
{
    /// <summary>Sigma_s, Sigma_c, Theta^com_s, Theta^com_c, Theta^ind, rounded to double.</summary>
    public static double[][,] Compute(MlpSpec spec, double[,] x) => ComputeDepths(spec, x)[^1];

    /// <summary>The kernels of the same ensemble cut at every depth 1..L (one pass: the readout after each layer).</summary>
    public static List<double[][,]> ComputeDepths(MlpSpec spec, double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        bool independent = spec.Family == EnsembleFamily.Independent;
        ModulationLaw uLaw = independent ? new ConstLaw(1) : spec.ULaw, vLaw = independent ? new ConstLaw(1) : spec.VLaw;
        DD u1 = independent ? 0 : uLaw.Mean, u2 = uLaw is GaussLaw ? uLaw.SecondMoment : Atoms(uLaw).Aggregate((DD)0, (s, a) => s + a.W * a.V * a.V);
        DD sw2 = (DD)spec.SigmaW * spec.SigmaW, sb2 = (DD)spec.SigmaB * spec.SigmaB;
        string activation = spec.Activation.Name;
        var ks = new DD[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                DD dot = 0;
                for (int k = 0; k < d; k++) dot += (DD)x[i, k] * x[j, k];
                ks[i, j] = sw2 * dot / d + sb2;
            }
        }
        var kc = (DD[,])ks.Clone();
        var ts = (DD[,])ks.Clone();
        var tc = (DD[,])ks.Clone();
        var ds = new List<DD[,]>();
        var a = new List<DD[,]>();
        var results = new List<double[][,]>();
        for (int l = 1; l <= spec.Depth; l++)
        {
            DD[,] cs = new DD[n, n], cc = new DD[n, n], dsl = new DD[n, n], dc = new DD[n, n], al = new DD[n, n];
            for (int i = 0; i < n; i++)
            {
                for (int j = i; j < n; j++)
                {
                    (DD pp, DD dd, DD zz) = activation == "relu" ? ReluSame(vLaw, ks[i, i], ks[j, j], ks[i, j]) : AtomSame(activation, vLaw, ks[i, i], ks[j, j], ks[i, j]);
                    cs[i, j] = cs[j, i] = u2 * pp;
                    dsl[i, j] = dsl[j, i] = u2 * dd;
                    al[i, j] = al[j, i] = pp + u2 * zz;
                    if (u1.Hi != 0)
                    {
                        (DD cp, DD cd) = activation == "relu" ? ReluCross(vLaw, ks[i, i], ks[j, j], kc[i, j]) : AtomCross(activation, vLaw, ks[i, i], ks[j, j], kc[i, j]);
                        cc[i, j] = cc[j, i] = u1 * u1 * cp;
                        dc[i, j] = dc[j, i] = u1 * u1 * cd;
                    }
                }
            }
            ds.Add(dsl);
            a.Add(al);
            var readout = new DD[4][,];
            for (int r = 0; r < 4; r++) readout[r] = new DD[n, n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    // The readout has no bias; the next layer's pre-activations do.
                    readout[0][i, j] = sw2 * cs[i, j];
                    readout[1][i, j] = sw2 * cc[i, j];
                    readout[2][i, j] = readout[0][i, j] + sw2 * dsl[i, j] * ts[i, j];
                    readout[3][i, j] = readout[1][i, j] + sw2 * dc[i, j] * tc[i, j];
                    ks[i, j] = readout[0][i, j] + sb2;
                    kc[i, j] = readout[1][i, j] + sb2;
                    ts[i, j] = readout[2][i, j] + sb2;
                    tc[i, j] = readout[3][i, j] + sb2;
                }
            }
            var member = new DD[n, n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    if (spec.Family == EnsembleFamily.BatchEnsemble)
                    {
                        DD g = sw2;
                        for (int m = l; m >= 1; m--)
                        {
                            member[i, j] += g * a[m - 1][i, j];
                            g *= sw2 * ds[m - 1][i, j];
                        }
                    }
                    if (spec.MemberReadoutBias) member[i, j] += 1;
                }
            }
            results.Add([Round(readout[0]), Round(readout[1]), Round(readout[2]), Round(readout[3]), Round(member)]);
        }
        return results;
    }

    private static double[,] Round(DD[,] m)
    {
        var r = new double[m.GetLength(0), m.GetLength(1)];
        for (int i = 0; i < m.GetLength(0); i++)
            for (int j = 0; j < m.GetLength(1); j++)
                r[i, j] = m[i, j].Value;
        return r;
    }

    private static List<(DD V, DD W)> Atoms(ModulationLaw law) => law switch
    {
        SignLaw s => [(s.C, 0.5), (-s.C, 0.5)],
        ConstLaw c => [(c.C, 1)],
        BernoulliLaw b when b.P >= 1 => [(1, 1)],
        BernoulliLaw b => [((DD)1 / b.P, b.P), (0, (DD)1 - b.P)],
        _ => throw new NotSupportedException(law.ToString()),
    };

    // theta and sqrt(k11 k22) of a pair, from the Gram determinant.
    private static (DD Theta, DD Sin, DD Rho, DD Scale) Angle(DD k11, DD k22, DD k12)
    {
        DD scale = DD.Sqrt(k11 * k22);
        DD rho = k12 / scale;
        if (rho > 1) rho = 1;
        if (rho < -1) rho = -1;
        DD sin = DD.Sqrt(DD.Max(1 - rho * rho, 0));
        return (DD.Atan2(sin, rho), sin, rho, scale);
    }

    private static (DD J1, DD J0) Relu(DD k11, DD k22, DD k12)
    {
        (DD theta, DD sin, DD rho, DD scale) = Angle(k11, k22, k12);
        return (scale / (2 * DD.Pi) * (sin + (DD.Pi - theta) * rho), (DD.Pi - theta) / (2 * DD.Pi));
    }

    private static (DD V2, DD Vp, DD Vm, DD Pnz) ReluMoments(ModulationLaw v) => v is GaussLaw
        ? (v.SecondMoment, v.PositiveMean, v.NegativeMean, v.NonzeroProbability)
        : (Atoms(v).Aggregate((DD)0, (s, t) => s + t.W * t.V * t.V),
            Atoms(v).Aggregate((DD)0, (s, t) => t.V.Hi > 0 ? s + t.W * t.V : s),
            Atoms(v).Aggregate((DD)0, (s, t) => t.V.Hi < 0 ? s - t.W * t.V : s),
            Atoms(v).Aggregate((DD)0, (s, t) => t.V.Hi != 0 ? s + t.W : s));

    private static (DD, DD, DD) ReluSame(ModulationLaw v, DD k11, DD k22, DD k12)
    {
        (DD j1, DD j0) = Relu(k11, k22, k12);
        (DD v2, _, _, DD pnz) = ReluMoments(v);
        return (v2 * j1, v2 * j0, pnz * j1);
    }

    private static (DD, DD) ReluCross(ModulationLaw v, DD k11, DD k22, DD k12)
    {
        (DD j1, DD j0) = Relu(k11, k22, k12);
        (DD f1, DD f0) = Relu(k11, k22, -k12);
        (_, DD vp, DD vm, _) = ReluMoments(v);
        DD same = vp * vp + vm * vm, flip = 2 * vp * vm;
        return (same * j1 + flip * f1, same * j0 - flip * f0);
    }

    private static (DD Pp, DD Dd, DD Zz) Erf(DD a, DD b, DD k11, DD k22, DD k12)
    {
        DD ca = 1 + 2 * a * a * k11, cb = 1 + 2 * b * b * k22;
        DD det = ca * cb - 4 * a * a * b * b * k12 * k12;
        DD sqrtD = DD.Sqrt(det);
        DD pp = 2 / DD.Pi * DD.Atan2(2 * a * b * k12, sqrtD);
        return (pp, a * b * 4 / (DD.Pi * sqrtD), 4 / DD.Pi * k12 / (det * sqrtD));
    }

    // erf in closed form, tanh and GELU by the fixed rule of SmoothReference, for fixed scales a and b.
    private static (DD Pp, DD Dd, DD Zz) Pair(string activation, DD a, DD b, DD k11, DD k22, DD k12) => activation == "erf"
        ? Erf(a, b, k11, k22, k12)
        : SmoothReference.Pair(activation, a.Value, b.Value, k11.Value, k22.Value, k12.Value);

    private static (DD, DD, DD) AtomSame(string activation, ModulationLaw v, DD k11, DD k22, DD k12)
    {
        if (v is GaussLaw g)
        {
            return SmoothReference.GaussSame(activation, g.Mu, g.S, k11.Value, k22.Value, k12.Value);
        }
        DD pp = 0, dd = 0, zz = 0;
        foreach ((DD value, DD w) in Atoms(v))
        {
            (DD p, DD d, DD z) = Pair(activation, value, value, k11, k22, k12);
            pp += w * p;
            dd += w * d;
            zz += w * z;
        }
        return (pp, dd, zz);
    }

    private static (DD, DD) AtomCross(string activation, ModulationLaw v, DD k11, DD k22, DD k12)
    {
        if (v is GaussLaw g)
        {
            return SmoothReference.GaussCross(activation, g.Mu, g.S, k11.Value, k22.Value, k12.Value);
        }
        DD pp = 0, dd = 0;
        foreach ((DD x, DD wx) in Atoms(v))
        {
            foreach ((DD y, DD wy) in Atoms(v))
            {
                (DD p, DD d, _) = Pair(activation, x, y, k11, k22, k12);
                pp += wx * wy * p;
                dd += wx * wy * d;
            }
        }
        return (pp, dd);
    }
}
