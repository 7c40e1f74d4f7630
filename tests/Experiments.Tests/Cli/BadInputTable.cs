using System.Diagnostics;

namespace EEArtifacts.Testing;

/// <summary>One row of the README's bad-input table.</summary>
/// <param name="Line">Its line in README.md (names the row in test output).</param>
/// <param name="Input">A bash command line, run in a new empty folder.</param>
/// <param name="Exit">The exit code it must end with.</param>
/// <param name="Message">Text the one line on standard error must hold; "..." stands for any text.</param>
public sealed record BadInputRow(int Line, string Input, int Exit, string Message);

/// <summary>
/// The README's "Bad input" table is the list of cases: read from README.md and run row by row (this file is
/// compiled into the test projects of both programs; each runs the rows that name its program), so the table a
/// user reads cannot drift from what the programs do.
/// </summary>
public static class BadInputTable
{
    public const string Heading = "### Bad input";

    public static readonly string[] Programs = ["ee-experiments", "ee-report"];

    /// <summary>The rows, in README order.</summary>
    public static IReadOnlyList<BadInputRow> Read()
    {
        string[] lines = File.ReadAllLines(ReadmePath());
        int start = Array.IndexOf(lines, Heading);
        Assert.True(start >= 0, $"README.md has no '{Heading}' section");
        int header = Array.FindIndex(lines, start, l => l.StartsWith("| input", StringComparison.Ordinal));
        var rows = new List<BadInputRow>();
        for (int i = header + 2; i < lines.Length && lines[i].StartsWith('|'); i++)
        {
            string[] cells = lines[i].Trim().Trim('|').Split('|').Select(c => c.Trim().Trim('`')).ToArray();
            Assert.True(cells.Length == 3 && int.TryParse(cells[1], out _), $"README.md line {i + 1}: expected | `input` | exit | `message` |");
            rows.Add(new BadInputRow(i + 1, cells[0], int.Parse(cells[1]), cells[2]));
        }
        Assert.NotEmpty(rows);
        return rows;
    }

    /// <summary>The rows whose input runs <paramref name="program"/>, as theory data (README line, input, exit, message).</summary>
    public static TheoryData<int, string, int, string> RowsOf(string program)
    {
        var data = new TheoryData<int, string, int, string>();
        foreach (BadInputRow row in Read().Where(r => ProgramOf(r) == program))
        {
            data.Add(row.Line, row.Input, row.Exit, row.Message);
        }
        return data;
    }

    /// <summary>The one program a row runs (a row naming none or both is an error in the table).</summary>
    public static string ProgramOf(BadInputRow row)
    {
        string[] named = Programs.Where(p => row.Input.Split(' ').Contains(p)).ToArray();
        Assert.True(named.Length == 1, $"README.md line {row.Line}: a row must run exactly one of {string.Join(", ", Programs)}");
        return named[0];
    }

    /// <summary>Runs the input in a new empty folder with <paramref name="programFolder"/> first on the PATH and
    /// checks the exit code and the one line on standard error.</summary>
    public static void Check(string programFolder, int line, string input, int exit, string message)
    {
        string folder = Path.Combine(Path.GetTempPath(), "ee-bad-input-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var info = new ProcessStartInfo("bash") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(input);
            info.Environment["PATH"] = programFolder + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
            info.Environment["CI"] = "true";
            using Process p = Process.Start(info)!;
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail($"README.md line {line}: still running after 120 s: {input}");
            }
            _ = stdout.Result;
            string err = stderr.Result.TrimEnd('\n');
            Assert.True(exit == p.ExitCode, $"README.md line {line}: exit {p.ExitCode}, expected {exit}; stderr: {err}");
            Assert.True(!err.Contains('\n', StringComparison.Ordinal), $"README.md line {line}: stderr is not one line: {err}");
            int at = 0;
            foreach (string part in message.Split("...").Select(s => s.Trim()).Where(s => s.Length > 0))
            {
                int found = err.IndexOf(part, at, StringComparison.Ordinal);
                Assert.True(found >= 0, $"README.md line {line}: stderr lacks '{part}' (in order): {err}");
                at = found + part.Length;
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string ReadmePath()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string readme = Path.Combine(dir.FullName, "README.md");
            if (File.Exists(readme) && File.Exists(Path.Combine(dir.FullName, "EEArtifacts.sln")))
            {
                return readme;
            }
        }
        throw new FileNotFoundException("README.md of the repository not found above " + AppContext.BaseDirectory);
    }
}
