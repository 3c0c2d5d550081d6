namespace KForensics.Tests.Scap.Writer;

/// <summary>A capture file in a private temporary folder, removed with the object.</summary>
internal sealed class TempCapture : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kf-writer-").FullName;

    public string PathOf(string name) => Path.Combine(_folder, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A reader still holding the file on some platforms; the folder is temporary anyway.
        }
    }
}
