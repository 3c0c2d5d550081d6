using System.Management.Automation;

namespace KForensics.Infrastructure;

/// <summary>
/// The five parameters every producing cmdlet (Start-PodCapture, New-PodCheckpoint, Export-ContainerCheckpoint,
/// Export-ScapEvent) takes for what happens to a file once made, declared once. Each of those cmdlets returns
/// an instance from <see cref="IDynamicParameters.GetDynamicParameters"/>, so the names, validation and
/// meaning cannot drift apart between them.
/// </summary>
public sealed class EvidenceDeliveryParameters
{
    /// <summary>OpenPGP public keys or X.509 certificates (files, armored blocks or PEM text): the file is encrypted as it is written, never on disk in the clear.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Recipient { get; set; }

    /// <summary>A blob container the file (encrypted or not) is sent to, as Send-Evidence sends it.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>The storage account's connection string, for -Destination.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>The client id of the managed identity that signs in to -Destination.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>A folder-like prefix for the blob names in -Destination.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BlobPrefix { get; set; }
}
