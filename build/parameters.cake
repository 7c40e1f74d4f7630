// Arguments of the build and the settings derived from them, parsed and checked once.
public sealed class BuildParameters
{
    public string Target { get; private set; }
    public string Configuration { get; private set; }
    public string Profile { get; private set; }
    public string Device { get; private set; }
    public int Threads { get; private set; }
    public int Jobs { get; private set; }
    public string Only { get; private set; }
    public DirectoryPath Root { get; private set; }
    public FilePath Solution => Root.CombineWithFilePath("EEArtifacts.sln");
    public DirectoryPath ResultsDirectory => Root.Combine("results").Combine(Profile);
    public DirectoryPath PaperDirectory => Root.Combine("paper").Combine(Profile);
    public DirectoryPath ScratchDirectory => Root.Combine("scratch");
    // The committed reference artifacts of a profile, apart from what runs write (results/, paper/: ignored by git).
    public DirectoryPath ReferencesDirectory => Root.Combine("references").Combine(Profile);
    public DirectoryPath ReferenceResults => ReferencesDirectory.Combine("results");
    public DirectoryPath ReferencePaper => ReferencesDirectory.Combine("paper");
    // Set by the References target: the commit the references are made from (EmbeddedEnsembles.Runtime.GitCommit).
    public string GitCommit { get; set; } = "";

    public static BuildParameters Load(ICakeContext context)
    {
        var p = new BuildParameters
        {
            Target = context.Argument("target", "All"),
            Configuration = context.Argument("configuration", "Release"),
            Profile = context.Argument("profile", "quick"),
            Device = context.Argument("device", "auto"),
            Threads = context.Argument("threads", 1), // see TorchRuntime.DefaultThreads
            Jobs = context.Argument("jobs", System.Environment.ProcessorCount), // cells at once, each in a worker of Threads threads
            Only = context.Argument("only", ""),
            Root = context.MakeAbsolute(context.Directory(".")),
        };
        Require(p.Profile == "quick" || p.Profile == "paper", $"--profile must be quick or paper, not '{p.Profile}'");
        Require(p.Device == "auto" || p.Device == "cpu" || p.Device == "cuda", $"--device must be auto, cpu or cuda, not '{p.Device}'");
        Require(p.Configuration == "Release" || p.Configuration == "Debug", $"--configuration must be Release or Debug, not '{p.Configuration}'");
        Require(p.Threads >= 1, $"--threads must be at least 1, not {p.Threads}");
        Require(p.Jobs >= 1 && p.Jobs <= System.Environment.ProcessorCount, $"--jobs must be between 1 and the {System.Environment.ProcessorCount} processors, not {p.Jobs}");
        return p;
    }

    // The environment every child process gets: fixed thread counts and deterministic GPU GEMMs.
    public IDictionary<string, string> ChildEnvironment => new Dictionary<string, string>
    {
        ["OMP_NUM_THREADS"] = Threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MKL_NUM_THREADS"] = Threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // cuBLAS picks reduction orders per workspace; a fixed workspace makes GPU GEMMs repeatable.
        ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["EE_GIT_COMMIT"] = GitCommit,
    };

    public void Describe(ISetupContext context)
    {
        context.Information($"EEArtifacts: target={Target} configuration={Configuration} profile={Profile} device={Device} threads={Threads} jobs={Jobs} (of {System.Environment.ProcessorCount} processors; --jobs to change)");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new CakeException(message);
        }
    }
}
