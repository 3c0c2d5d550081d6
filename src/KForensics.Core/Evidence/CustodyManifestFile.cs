using System.Text.Json;

namespace KForensics.Core.Evidence;

/// <summary>Finds and reads the custody manifest that sits beside an evidence file.</summary>
public static class CustodyManifestFile
{
    public const string Suffix = ".manifest.json";

    /// <summary>The manifest the module writes beside a file it made itself (an encrypted file, a download).</summary>
    public static string PathFor(string evidencePath) => evidencePath + Suffix;

    /// <summary>
    /// The manifest beside <paramref name="evidencePath"/> that describes it: "name.manifest.json", then the
    /// name with its extensions taken off one by one ("capture-x.scap.gz" has "capture-x.manifest.json"), the
    /// first whose file name is this file's. Null when there is none.
    /// </summary>
    public static (string Path, CustodyManifest Manifest)? Find(string evidencePath)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(evidencePath)) ?? ".";
        string name = Path.GetFileName(evidencePath);
        string stem = name;
        while (true)
        {
            string candidate = Path.Combine(directory, stem + Suffix);
            if (File.Exists(candidate) && TryRead(candidate) is CustodyManifest manifest
                && string.Equals(manifest.File.Name, name, StringComparison.Ordinal))
            {
                return (candidate, manifest);
            }

            int dot = stem.LastIndexOf('.');
            if (dot <= 0)
            {
                return null;
            }

            stem = stem[..dot];
        }
    }

    /// <summary>The manifest at a path, or null when it is not one.</summary>
    public static CustodyManifest? TryRead(string path)
    {
        try
        {
            CustodyManifest manifest = CustodyManifest.FromJson(File.ReadAllText(path));
            return manifest.Schema.StartsWith("kforensics.custody/", StringComparison.Ordinal) ? manifest : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The same record with other file, protection and storage parts (the rest is provenance and stays).</summary>
    public static CustodyManifest With(CustodyManifest source, ManifestFile file, ManifestProtection? protection, ManifestStorage? storage) => new()
    {
        Schema = source.Schema,
        Kind = source.Kind,
        Tool = source.Tool,
        ToolVersion = source.ToolVersion,
        Operator = source.Operator,
        Workstation = source.Workstation,
        StartTimeUtc = source.StartTimeUtc,
        EndTimeUtc = source.EndTimeUtc,
        AcquiredTimeUtc = source.AcquiredTimeUtc,
        File = file,
        Source = source.Source,
        Protection = protection,
        Storage = storage,
    };

    /// <summary>A record for a file the module did not acquire itself (no manifest beside it): who handled it, where, when.</summary>
    public static CustodyManifest ForFile(string path, long bytes, string sha256, string toolVersion, DateTime nowUtc)
    {
        var info = new FileInfo(path);
        DateTime written = info.Exists ? info.LastWriteTimeUtc : nowUtc;
        return CustodyManifest.Acquired("file", toolVersion, written, written, nowUtc,
            new ManifestFile { Name = Path.GetFileName(path), Bytes = bytes, Sha256AtSource = sha256, Sha256 = sha256 },
            new Dictionary<string, object?> { ["path"] = Path.GetFullPath(path), ["host"] = Environment.MachineName });
    }
}
