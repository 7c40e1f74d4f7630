using EEArtifacts.Testing;

namespace EEArtifacts.Reporting.Tests;

/// <summary>Every ee-report row of the README's bad-input table, run against the built program.</summary>
public sealed class BadInputTableTests
{
    public static TheoryData<int, string, int, string> Rows => BadInputTable.RowsOf("ee-report");

    [Theory]
    [MemberData(nameof(Rows))]
    public void TheReadmeRowHolds(int line, string input, int exit, string message) =>
        BadInputTable.Check(AppContext.BaseDirectory, line, input, exit, message);
}
