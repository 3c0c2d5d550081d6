using System.Text;
using KForensics.Core.IO;

namespace KForensics.Core.Evidence.Protection;

/// <summary>
/// The decoded base64 body of a PEM block or an S/MIME message (what openssl cms writes by default), read line by
/// line so a message of any size streams: PEM's body lies between its BEGIN and END lines, S/MIME's after the
/// blank line that ends its headers, which must declare base64 transfer encoding.
/// </summary>
internal sealed class Base64BodyStream : ForwardReadStream
{
    private readonly StreamReader _reader;
    private readonly bool _pem;
    private readonly char[] _carry = new char[4];
    private int _carryLength;
    private byte[] _decoded = new byte[4096];
    private int _position;
    private int _length;
    private bool _inBody;
    private bool _base64Declared;
    private bool _done;

    public Base64BodyStream(Stream inner, bool pem)
    {
        _reader = new StreamReader(inner, Encoding.Latin1, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16, leaveOpen: true);
        _pem = pem;
    }

    public override int Read(Span<byte> buffer)
    {
        while (_position == _length)
        {
            if (_done || !Fill())
            {
                return 0;
            }
        }

        int n = Math.Min(buffer.Length, _length - _position);
        _decoded.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    // Reads one line; false at the end of the body.
    private bool Fill()
    {
        string? line = _reader.ReadLine();
        if (line is null)
        {
            _done = true;
            if (!_inBody || _carryLength != 0)
            {
                throw new InvalidDataException(_inBody ? "The base64 body ends in the middle of a group." : "The message has no body.");
            }

            return false;
        }

        if (!_inBody)
        {
            if (_pem)
            {
                _inBody = line.StartsWith("-----BEGIN ", StringComparison.Ordinal);
            }
            else if (line.Length == 0)
            {
                if (!_base64Declared)
                {
                    throw new InvalidDataException("The S/MIME headers do not declare base64 transfer encoding.");
                }

                _inBody = true;
            }
            else if (line.StartsWith("Content-Transfer-Encoding:", StringComparison.OrdinalIgnoreCase))
            {
                _base64Declared = line["Content-Transfer-Encoding:".Length..].Trim().Equals("base64", StringComparison.OrdinalIgnoreCase);
            }

            return true;
        }

        if (_pem && line.StartsWith("-----END ", StringComparison.Ordinal))
        {
            _done = true;
            if (_carryLength != 0)
            {
                throw new InvalidDataException("The base64 body ends in the middle of a group.");
            }

            return false;
        }

        ReadOnlySpan<char> text = line.AsSpan().Trim();
        char[] chars = new char[_carryLength + text.Length];
        _carry.AsSpan(0, _carryLength).CopyTo(chars);
        text.CopyTo(chars.AsSpan(_carryLength));
        int whole = chars.Length / 4 * 4;
        _carryLength = chars.Length - whole;
        chars.AsSpan(whole).CopyTo(_carry);

        if (_decoded.Length < whole)
        {
            _decoded = new byte[whole];
        }

        if (!Convert.TryFromBase64Chars(chars.AsSpan(0, whole), _decoded, out int written))
        {
            throw new InvalidDataException("The body is not valid base64.");
        }

        _position = 0;
        _length = written;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _reader.Dispose();
        }

        base.Dispose(disposing);
    }
}
