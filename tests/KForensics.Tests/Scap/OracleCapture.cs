using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace KForensics.Tests.Scap;

/// <summary>
/// Writes a small SHB 1.2 capture (MI, PL_V9, FDL_V2, UL_V2, EV_V2 blocks) so that sysdig 0.29.3 can
/// print events whose values the formatter tests choose. Only what those tests need.
/// </summary>
internal sealed class OracleCapture
{
    private readonly ArrayBufferWriter<byte> _out = new();

    public OracleCapture()
    {
        Block(0x0A0D0D0A, w =>
        {
            w.U32(0x1A2B3C4D);
            w.U16(1);
            w.U16(2);
            w.I64(-1);
        });
        Block(0x201, w =>
        {
            w.U32(2);
            w.U64(1UL << 30);
            w.U64(0);
            byte[] host = new byte[128];
            Encoding.ASCII.GetBytes("oracle-test").CopyTo(host, 0);
            w.Bytes(host);
            w.U64(0);
            w.U64(0);
            w.U64(0);
            w.U64(0);
        });
    }

    /// <summary>One thread (PL_V9 entry): tid = pid, the given comm and cwd, uid/gid 0.</summary>
    public void Thread(long tid, string comm, string cwd)
    {
        Block(0x215, w => w.Entry(e =>
        {
            e.I64(tid);
            e.I64(tid);
            e.I64(1);
            e.I64(tid);
            e.I64(tid);
            e.Str(comm);
            e.Str("/usr/bin/" + comm);
            e.Str("/usr/bin/" + comm);
            e.Str(string.Empty);
            e.Str(cwd);
            e.U64(1024);
            e.U32(0);
            e.U32(0);
            e.U32(0);
            e.U32(0);
            e.U32(0);
            e.U32(0);
            e.U64(0);
            e.U64(0);
            e.Str(string.Empty);
            e.I64(tid);
            e.I64(tid);
            e.Str(string.Empty);
            e.Str("/");
        }));
    }

    /// <summary>An FDL_V2 block with fd entries: (fd, scap fd type, payload writer).</summary>
    public void Fds(long tid, params (long Fd, byte Type, Action<Writer> Payload)[] fds)
    {
        Block(0x218, w =>
        {
            w.I64(tid);
            foreach (var (fd, type, payload) in fds)
            {
                w.Entry(e =>
                {
                    e.I64(fd);
                    e.U64(1000 + (ulong)fd);
                    e.U8(type);
                    payload(e);
                });
            }
        });
    }

    public void Users(params (uint Id, string Name, bool Group)[] entries)
    {
        Block(0x220, w =>
        {
            foreach (var (id, name, group) in entries)
            {
                w.Entry(e =>
                {
                    e.U8(group ? (byte)1 : (byte)0);
                    e.U32(id);
                    if (!group)
                    {
                        e.U32(0);
                    }

                    e.Str(name);
                    if (!group)
                    {
                        e.Str("/home/" + name);
                        e.Str("/bin/sh");
                    }
                }, lengthIncludesItself: true);
            }
        });
    }

    public void Event(long tid, ushort type, byte[][] values, ulong timestamp)
    {
        Block(0x216, w =>
        {
            w.U16(0);
            int length = 26 + (2 * values.Length) + values.Sum(v => v.Length);
            w.U64(timestamp);
            w.I64(tid);
            w.U32((uint)length);
            w.U16(type);
            w.U32((uint)values.Length);
            foreach (byte[] v in values)
            {
                w.U16((ushort)v.Length);
            }

            foreach (byte[] v in values)
            {
                w.Bytes(v);
            }
        });
    }

    public byte[] ToArray() => _out.WrittenSpan.ToArray();

    private void Block(uint type, Action<Writer> body)
    {
        var w = new Writer();
        body(w);
        byte[] content = w.ToArray();
        int total = (8 + content.Length + 4 + 3) & ~3;
        byte[] header = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(header, type);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)total);
        _out.Write(header);
        _out.Write(content);
        _out.Write(new byte[total - 12 - content.Length]);
        _out.Write(BitConverter.GetBytes((uint)total));
    }

    internal sealed class Writer
    {
        private readonly ArrayBufferWriter<byte> _data = new();

        public void U8(byte v) => _data.Write([v]);

        public void U16(ushort v) => _data.Write(BitConverter.GetBytes(v));

        public void U32(uint v) => _data.Write(BitConverter.GetBytes(v));

        public void U64(ulong v) => _data.Write(BitConverter.GetBytes(v));

        public void I64(long v) => _data.Write(BitConverter.GetBytes(v));

        public void Bytes(byte[] v) => _data.Write(v);

        public void Str(string s)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(s);
            U16((ushort)bytes.Length);
            Bytes(bytes);
        }

        /// <summary>An entry prefixed with its u32 length (which counts the prefix itself).</summary>
        public void Entry(Action<Writer> body, bool lengthIncludesItself = true)
        {
            var inner = new Writer();
            body(inner);
            byte[] bytes = inner.ToArray();
            U32((uint)(bytes.Length + (lengthIncludesItself ? 4 : 0)));
            Bytes(bytes);
        }

        public byte[] ToArray() => _data.WrittenSpan.ToArray();
    }
}
