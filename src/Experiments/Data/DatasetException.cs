namespace EEArtifacts.Experiments.Data;

/// <summary>
/// The one error type of the data layer: a missing, corrupt, truncated or unverifiable data set, or a failed
/// download. The message is always one line, written for a person, so the CLI can print it as it is.
/// </summary>
public sealed class DatasetException : Exception
{
    /// <summary>A data error with a one-line message.</summary>
    public DatasetException(string message)
        : base(OneLine(message))
    {
    }

    /// <summary>A data error with a one-line message and the exception that caused it.</summary>
    public DatasetException(string message, Exception inner)
        : base(OneLine(message), inner)
    {
    }

    private static string OneLine(string message) =>
        message.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');
}
