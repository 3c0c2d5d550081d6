using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace KForensics.Infrastructure;

/// <summary>
/// Loads KForensics.Core and every third-party assembly from the module's <c>deps</c> folder into a
/// private load context, so that another module's YamlDotNet, Newtonsoft.Json or KubernetesClient in
/// the same session can neither break KForensics nor be broken by it.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private static readonly object Gate = new();
    private static bool _attached;
    private readonly string _dependencyDirectory;

    private DependencyLoadContext(string dependencyDirectory)
        : base("KForensics.Dependencies", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
    }

    internal static DependencyLoadContext? Instance { get; private set; }

    internal static string DependencyDirectory =>
        Path.Combine(Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location)!, "deps");

    /// <summary>
    /// Runs on Import-Module (<see cref="ModuleInitializer"/>) and, as a module initializer, when any
    /// type of KForensics.dll is first used (a host that loads the assembly without importing it).
    /// </summary>
#pragma warning disable CA2255 // a module loaded into a host is exactly the advanced case this rule allows
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        string dir = DependencyDirectory;
        if (!Directory.Exists(dir))
        {
            // Running from a build output folder (tests of the engine): everything sits beside us.
            return;
        }

        lock (Gate)
        {
            Instance ??= new DependencyLoadContext(dir);
            if (!_attached)
            {
                Default.Resolving += ResolveFromDefault;
                _attached = true;
            }
        }
    }

    /// <summary>Stops resolving on Remove-Module; the loaded assemblies stay (load contexts here are not collectible).</summary>
    internal static void Detach()
    {
        lock (Gate)
        {
            Default.Resolving -= ResolveFromDefault;
            _attached = false;
        }
    }

    // Only KForensics.Core is resolved from the default context; everything Core needs is then
    // resolved by this context's Load, so no third-party type ever reaches the default context.
    private static Assembly? ResolveFromDefault(AssemblyLoadContext context, AssemblyName name)
    {
        if (Instance is null || !string.Equals(name.Name, "KForensics.Core", StringComparison.Ordinal))
        {
            return null;
        }

        return Instance.LoadFromAssemblyName(name);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        string candidate = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        if (!File.Exists(candidate) || FrameworkProvides(assemblyName))
        {
            return null;
        }

        return LoadFromAssemblyPath(candidate);
    }

    // A package copy of a framework assembly (System.Text.Json, System.IO.Pipelines... that Azure's libraries
    // bring for older frameworks) must not shadow the framework's own: the framework's System.Net.Http.Json
    // would then see another JsonTypeInfo than Docker.DotNet. The framework's copy is taken when it is as new.
    private static bool FrameworkProvides(AssemblyName name)
    {
        string framework = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, name.Name + ".dll");
        if (!File.Exists(framework))
        {
            return false;
        }

        Version? shipped = AssemblyName.GetAssemblyName(framework).Version;
        return shipped is not null && (name.Version is null || shipped >= name.Version);
    }
}
