namespace KForensics.Core.Evidence.Protection;

/// <summary>The two standard formats evidence is encrypted in; the recipients' kind decides which.</summary>
public enum ProtectionFormat
{
    /// <summary>OpenPGP (RFC 4880) as gpg reads it, to OpenPGP public keys.</summary>
    OpenPgp,

    /// <summary>CMS enveloped data (RFC 5652) as openssl cms reads it, to X.509 certificates.</summary>
    Cms,
}

/// <summary>Tells the formats apart from the first bytes of a file.</summary>
internal static class ProtectionSniffer
{
    // ContentInfo's contentType for enveloped data: OID 1.2.840.113549.1.7.3.
    private static readonly byte[] EnvelopedDataOid = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03];

    /// <summary>True for an X.509 certificate in PEM, or anything in DER (a SEQUENCE), which no OpenPGP key starts with.</summary>
    public static bool IsCertificate(ReadOnlySpan<byte> head)
        => (head.Length > 0 && head[0] == 0x30) || Text(head).StartsWith("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
           || Text(head).StartsWith("-----BEGIN X509 CERTIFICATE-----", StringComparison.Ordinal);

    /// <summary>How a CMS message is written, or null when the head is not one.</summary>
    public static CmsEncoding? CmsEncodingOf(ReadOnlySpan<byte> head)
    {
        if (head.Length > 2 && head[0] == 0x30)
        {
            // Skip the outer SEQUENCE's length (indefinite 0x80, short form, or 0x8n and n bytes) and look for the OID.
            int lengthBytes = head[1] switch { 0x80 => 0, < 0x80 => 0, _ => head[1] & 0x7F };
            int at = 2 + lengthBytes;
            return head.Length >= at + EnvelopedDataOid.Length && head.Slice(at, EnvelopedDataOid.Length).SequenceEqual(EnvelopedDataOid) ? CmsEncoding.Der : null;
        }

        string text = Text(head);
        if (text.StartsWith("-----BEGIN CMS-----", StringComparison.Ordinal) || text.StartsWith("-----BEGIN PKCS7-----", StringComparison.Ordinal))
        {
            return CmsEncoding.Pem;
        }

        return text.StartsWith("MIME-Version:", StringComparison.OrdinalIgnoreCase) || text.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
            ? CmsEncoding.Smime
            : null;
    }

    private static string Text(ReadOnlySpan<byte> head) => System.Text.Encoding.Latin1.GetString(head).TrimStart();
}

/// <summary>How a CMS message is written: DER/BER bytes, PEM (openssl cms -outform PEM), or S/MIME (openssl cms's default).</summary>
internal enum CmsEncoding
{
    Der,
    Pem,
    Smime,
}
