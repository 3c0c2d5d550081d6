using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>
/// The input shape of the cmdlets that take files by name: -Path with wildcards, bound by value and by the property
/// name Path; -LiteralPath taken as written, which each family declares with the property names it binds.
/// </summary>
public abstract class PathInputCmdlet : AsyncCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    /// <summary>Files to handle; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>
    /// The files of this pipeline record, resolved (directories too with <paramref name="directories"/>), from -Path or,
    /// in the LiteralPath set, from <paramref name="literalPath"/>; each miss is already written as an error.
    /// </summary>
    private protected IEnumerable<string> InputPaths(string[] literalPath, bool directories = false)
    {
        bool literal = ParameterSetName == LiteralPathSet;
        return PathResolver.Resolve(this, literal ? literalPath : Path, literal, directories);
    }
}
