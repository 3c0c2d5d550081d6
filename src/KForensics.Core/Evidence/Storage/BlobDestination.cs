using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace KForensics.Core.Evidence.Storage;

/// <summary>
/// An Azure Blob container evidence goes to, and how this process signs in to it: a SAS in the container
/// URL, a connection string (account key or SAS), or else DefaultAzureCredential (a managed identity in
/// Azure Automation and on AKS, environment variables, a workload identity, the Azure CLI's sign-in).
/// </summary>
public sealed class BlobDestination
{
    private BlobDestination(BlobContainerClient container, string authentication, string? sasPermissions)
    {
        Container = container;
        Authentication = authentication;
        SasPermissions = sasPermissions;
        Url = new UriBuilder(container.Uri) { Query = string.Empty }.Uri.ToString().TrimEnd('/');
    }

    internal BlobContainerClient Container { get; }

    /// <summary>The container's URL without any query, so no SAS reaches a log, an object or a manifest.</summary>
    public string Url { get; }

    public string Name => Container.Name;

    /// <summary>"SAS", "ConnectionString" or "DefaultAzureCredential".</summary>
    public string Authentication { get; }

    /// <summary>The permissions a SAS grants (its sp field), or null when there is no SAS.</summary>
    public string? SasPermissions { get; }

    /// <summary>
    /// A container URL (https://ACCOUNT.blob.core.windows.net/CONTAINER, a SAS query allowed). Without a SAS,
    /// DefaultAzureCredential signs in; <paramref name="managedIdentityClientId"/> picks a user-assigned identity.
    /// </summary>
    public static BlobDestination FromUrl(string containerUrl, string? managedIdentityClientId)
    {
        if (!Uri.TryCreate(containerUrl, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.AbsolutePath.Trim('/').Length == 0)
        {
            throw new StorageException(StorageFailure.DestinationInvalid,
                $"'{Redact(containerUrl)}' is not a blob container URL (https://ACCOUNT.blob.core.windows.net/CONTAINER, optionally with a SAS query).");
        }

        var options = Options();
        string? sas = QueryValue(uri, "sig") is null ? null : uri.Query.TrimStart('?');
        if (sas is not null)
        {
            var bare = new UriBuilder(uri) { Query = string.Empty }.Uri;
            return new BlobDestination(new BlobContainerClient(bare, new AzureSasCredential(sas), options), "SAS", QueryValue(uri, "sp") ?? string.Empty);
        }

        TokenCredential credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = managedIdentityClientId,
            ExcludeInteractiveBrowserCredential = true,
        });
        return new BlobDestination(new BlobContainerClient(uri, credential, options), "DefaultAzureCredential", null);
    }

    /// <summary>A connection string (account key or SAS) and a container name, or a container URL whose last segment names it.</summary>
    public static BlobDestination FromConnectionString(string connectionString, string container)
        => FromConnectionString(connectionString, container, Options());

    /// <summary>As above, with the client's own options (its transport, its retries).</summary>
    internal static BlobDestination FromConnectionString(string connectionString, string container, BlobClientOptions options)
    {
        string name = Uri.TryCreate(container, UriKind.Absolute, out Uri? uri) ? uri.AbsolutePath.Trim('/').Split('/')[^1] : container.Trim('/');
        try
        {
            var client = new BlobContainerClient(connectionString, name, options);
            string? sp = connectionString.Split(';').Select(p => p.Trim())
                .FirstOrDefault(p => p.StartsWith("SharedAccessSignature=", StringComparison.OrdinalIgnoreCase)) is string sas
                ? QueryValue(new Uri("https://sas/?" + sas["SharedAccessSignature=".Length..]), "sp") ?? string.Empty
                : null;
            return new BlobDestination(client, "ConnectionString", sp);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new StorageException(StorageFailure.DestinationInvalid, $"The connection string or container name '{name}' is not valid: {e.Message}", e);
        }
    }

    /// <summary>Takes the SAS (and any other query) off a URL for messages.</summary>
    public static string Redact(string url)
    {
        int q = url.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? url : url[..q] + "?…";
    }

    /// <summary>
    /// Null when a SAS grants what an upload needs (create, write, read for the read-back); otherwise the reason,
    /// so a missing permission is named before a single byte is sent.
    /// </summary>
    public string? MissingSasPermissions()
    {
        if (SasPermissions is null)
        {
            return null;
        }

        var missing = new List<string>();
        if (!SasPermissions.Contains('w', StringComparison.Ordinal))
        {
            missing.Add("w (write)");
        }

        if (!SasPermissions.Contains('c', StringComparison.Ordinal) && !SasPermissions.Contains('w', StringComparison.Ordinal))
        {
            missing.Add("c (create)");
        }

        if (!SasPermissions.Contains('r', StringComparison.Ordinal))
        {
            missing.Add("r (read, to read the blob back and compare its hash)");
        }

        return missing.Count == 0 ? null
            : $"The SAS for {Url} grants '{SasPermissions}' but uploading evidence needs {string.Join(" and ", missing)}; issue a SAS with at least 'rcw'.";
    }

    private static BlobClientOptions Options()
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 5;
        options.Retry.NetworkTimeout = TimeSpan.FromMinutes(5);
        return options;
    }

    private static string? QueryValue(Uri uri, string name)
    {
        foreach (string part in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && string.Equals(part[..eq], name, StringComparison.OrdinalIgnoreCase))
            {
                return Uri.UnescapeDataString(part[(eq + 1)..]);
            }
        }

        return null;
    }
}
