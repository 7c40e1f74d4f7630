using EEArtifacts.Testing;

namespace EEArtifacts.Experiments.Tests.Cli;

/// <summary>Every ee-experiments row of the README's bad-input table, run against the built program.</summary>
public sealed class BadInputTableTests
{
    public static TheoryData<int, string, int, string> Rows => BadInputTable.RowsOf("ee-experiments");

    [Theory]
    [MemberData(nameof(Rows))]
    public void TheReadmeRowHolds(int line, string input, int exit, string message) =>
        BadInputTable.Check(AppContext.BaseDirectory, line, input, exit, message);

    [Fact]
    public void EveryRowRunsExactlyOneProgram()
    {
        foreach (BadInputRow row in BadInputTable.Read())
        {
            Assert.Contains(BadInputTable.ProgramOf(row), BadInputTable.Programs);
        }
    }
}
