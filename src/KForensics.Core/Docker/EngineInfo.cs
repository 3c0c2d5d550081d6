namespace KForensics.Core.Docker;

/// <summary>What the engine says about itself; recorded in every piece of evidence it produces.</summary>
public sealed class EngineInfo
{
    internal EngineInfo(string endpoint, string version, string apiVersion, string os, string kernel, string rootDirectory, bool experimental, string hostName)
    {
        Endpoint = endpoint;
        Version = version;
        ApiVersion = apiVersion;
        OperatingSystem = os;
        KernelVersion = kernel;
        RootDirectory = rootDirectory;
        Experimental = experimental;
        HostName = hostName;
    }

    public string Endpoint { get; }

    public string Version { get; }

    public string ApiVersion { get; }

    public string OperatingSystem { get; }

    public string KernelVersion { get; }

    /// <summary>DockerRootDir: where the engine keeps containers and their checkpoints.</summary>
    public string RootDirectory { get; }

    public bool Experimental { get; }

    public string HostName { get; }

    public override string ToString() => Endpoint + " (Docker " + Version + ")";
}
