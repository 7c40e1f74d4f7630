namespace EEArtifacts.Experiments.Runner;

/// <summary>
/// A per-cell lock file, cells/&lt;stem&gt;.lock, created exclusively (O_EXCL, also on NFS v3+) and holding its
/// writer's host and pid, so that two runs into one folder never compute the same cell at once. A lock of a dead
/// process on this host is taken over; a lock from another host is respected until someone deletes it. Results do
/// not depend on the lock for their integrity (writes are atomic and deterministic): it saves duplicate work and
/// tells the user which run holds a cell.
/// </summary>
public sealed class CellLock : IDisposable
{
    /// <summary>The suffix of lock files.</summary>
    public const string Suffix = ".lock";

    private readonly string _path;

    private CellLock(string path) => _path = path;

    /// <summary>Takes the lock, or returns null and the holder (null while it is unnamed) when another writer has it.</summary>
    public static CellLock? TryAcquire(string path, out Writer.Id? holder)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (TryCreate(path))
            {
                holder = null;
                return new CellLock(path);
            }
            holder = Holder(path);
            if (holder is not null && Writer.IsDeadLocal(holder))
            {
                File.Delete(path); // a dead local process's lock: take it over
            }
            else if (File.Exists(path))
            {
                return null; // live, remote, or still being written by its creator
            }
            // else released since: try again
        }
        holder = Holder(path);
        return null;
    }

    /// <summary>Who holds a lock file, or null when it is unreadable or not yet written.</summary>
    public static Writer.Id? Holder(string path)
    {
        try
        {
            string[] parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return parts.Length == 2 && int.TryParse(parts[1], out int pid) ? new Writer.Id(parts[0], pid) : null;
        }
        catch (IOException)
        {
            return null; // unreadable, or released since
        }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => File.Delete(_path);

    private static bool TryCreate(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            stream.Write(System.Text.Encoding.ASCII.GetBytes($"{Writer.Current.Host} {Writer.Current.Pid}\n"));
            stream.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException)
        {
            return false; // exists (checked by the caller)
        }
    }
}
