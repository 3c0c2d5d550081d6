using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Security;

namespace KForensics.Core.Evidence.Protection;

/// <summary>
/// A write-only stream that encrypts what is written to it (see <see cref="EvidenceProtector"/>) into another
/// stream, so a producer (an export, a copy from a pod) writes plaintext that never reaches the disk: OpenPGP to
/// OpenPGP keys, CMS enveloped data to certificates (the two are not mixed in one file).
/// <see cref="Complete"/> ends the message and returns both hashes; disposing without it leaves an unfinished
/// message, which gpg, openssl and Unprotect-Evidence refuse.
/// </summary>
public sealed class ProtectedWriteStream : Stream
{
    private readonly HashingWriteStream _cipher;
    private readonly Stream? _encrypted;
    private readonly Stream _literal;
    private readonly System.Security.Cryptography.IncrementalHash _plainHash =
        System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
    private long _plainBytes;
    private ProtectionDigest? _digest;

    public ProtectedWriteStream(Stream ciphertext, IReadOnlyList<EvidenceRecipient> recipients, string literalName, DateTime modifiedUtc)
    {
        if (recipients.Count == 0)
        {
            throw new ArgumentException("At least one recipient is needed.", nameof(recipients));
        }

        Format = EvidenceFileProtection.FormatOf(recipients);
        _cipher = new HashingWriteStream(ciphertext, leaveOpen: true);
        if (Format == ProtectionFormat.Cms)
        {
            // CMS has no literal-data wrapper: the content is the plaintext's bytes alone, as openssl writes them out.
            _literal = CmsEnvelope.Open(_cipher, recipients);
        }
        else
        {
            var generator = new PgpEncryptedDataGenerator(SymmetricKeyAlgorithmTag.Aes256, withIntegrityPacket: true, new SecureRandom());
            foreach (EvidenceRecipient recipient in recipients)
            {
                generator.AddMethod(recipient.Key);
            }

            _encrypted = generator.Open(_cipher, new byte[EvidenceProtector.BufferSize]);
            _literal = new PgpLiteralDataGenerator().Open(_encrypted, PgpLiteralData.Binary, literalName, modifiedUtc, new byte[EvidenceProtector.BufferSize]);
        }

        Recipients = recipients;
    }

    public IReadOnlyList<EvidenceRecipient> Recipients { get; }

    public ProtectionFormat Format { get; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => _digest is null;

    public override long Length => _plainBytes;

    public override long Position
    {
        get => _plainBytes;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_digest is not null)
        {
            throw new InvalidOperationException("The encrypted message is complete.");
        }

        _literal.Write(buffer);
        _plainHash.AppendData(buffer);
        _plainBytes += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Ends the message (OpenPGP: the literal data and the encrypted packet with its MDC) and returns the hashes of both sides.</summary>
    public ProtectionDigest Complete()
    {
        if (_digest is null)
        {
            _literal.Dispose();
            _encrypted?.Dispose();
            _cipher.Flush();
            _digest = new ProtectionDigest(_plainBytes, EvidenceHash.ToHex(_plainHash.GetCurrentHash()), _cipher.BytesWritten, _cipher.Sha256);
        }

        return _digest;
    }

    // The literal stream buffers up to a partial packet; only Complete may push out the end of the message.
    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _plainHash.Dispose();
            _cipher.Dispose();
        }

        base.Dispose(disposing);
    }
}
