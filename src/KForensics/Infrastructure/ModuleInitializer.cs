using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>
/// PowerShell calls this on Import-Module, before it reflects over cmdlet parameters (which would
/// otherwise need KForensics.Core before anything had told the runtime where it lives).
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => DependencyLoadContext.Initialize();

    public void OnRemove(PSModuleInfo psModuleInfo) => DependencyLoadContext.Detach();
}
