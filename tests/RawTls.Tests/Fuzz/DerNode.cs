namespace RawTls.Tests.Fuzz;

/// <summary>
/// A mutable DER tree for structure-aware mutation: constructed nodes keep their children, primitive nodes their
/// content, and an OCTET or BIT STRING whose content is itself DER (responseBytes, extnValue) is opened as a child.
/// <see cref="Encode"/> writes minimal lengths unless a node asks for a non-minimal (BER) length form.
/// </summary>
internal sealed class DerNode
{
    public byte Tag;
    public byte[] Content = [];
    public List<DerNode>? Children;
    public bool BitStringWrapper; // content is 0x00 followed by the encapsulated child
    public int LongLengthBytes; // > 0: encode the length in long form with this many bytes (non-minimal)

    public bool IsConstructed => Children is not null;

    public static DerNode? TryParse(ReadOnlySpan<byte> der)
    {
        int at = 0;
        DerNode? node = TryRead(der, ref at, 0);
        return node is not null && at == der.Length ? node : null;
    }

    private static DerNode? TryRead(ReadOnlySpan<byte> der, ref int at, int depth)
    {
        if (depth > 24 || at + 2 > der.Length || (der[at] & 0x1F) == 0x1F)
        {
            return null;
        }

        byte tag = der[at++];
        int length = der[at++];
        if (length >= 0x80)
        {
            int n = length & 0x7F;
            if (n is 0 or > 3 || at + n > der.Length)
            {
                return null;
            }

            length = 0;
            for (int i = 0; i < n; i++)
            {
                length = (length << 8) | der[at++];
            }
        }

        if (length > der.Length - at)
        {
            return null;
        }

        ReadOnlySpan<byte> content = der.Slice(at, length);
        at += length;
        var node = new DerNode { Tag = tag, Content = content.ToArray() };
        if ((tag & 0x20) != 0)
        {
            node.Children = TryChildren(content, depth);
            if (node.Children is null)
            {
                return null;
            }
        }
        else if (tag == 0x04 && content.Length >= 2 && (content[0] & 0x20) != 0 && TryChildren(content, depth) is { Count: 1 } inner)
        {
            node.Children = inner;
        }
        else if (tag == 0x03 && content.Length >= 3 && content[0] == 0 && (content[1] & 0x20) != 0 && TryChildren(content[1..], depth) is { Count: 1 } inner2)
        {
            node.Children = inner2;
            node.BitStringWrapper = true;
        }

        return node;
    }

    private static List<DerNode>? TryChildren(ReadOnlySpan<byte> content, int depth)
    {
        var children = new List<DerNode>();
        int at = 0;
        while (at < content.Length)
        {
            DerNode? child = TryRead(content, ref at, depth + 1);
            if (child is null)
            {
                return null;
            }

            children.Add(child);
        }

        return children;
    }

    public byte[] Encode()
    {
        using var ms = new MemoryStream();
        Write(ms);
        return ms.ToArray();
    }

    private void Write(MemoryStream ms)
    {
        byte[] content;
        if (Children is null)
        {
            content = Content;
        }
        else
        {
            using var inner = new MemoryStream();
            if (BitStringWrapper)
            {
                inner.WriteByte(0);
            }

            foreach (DerNode child in Children)
            {
                child.Write(inner);
            }

            content = inner.ToArray();
        }

        ms.WriteByte(Tag);
        int len = content.Length;
        int minimal = len < 0x80 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : 3;
        int lengthBytes = Math.Max(minimal, LongLengthBytes);
        if (lengthBytes == 0)
        {
            ms.WriteByte((byte)len);
        }
        else
        {
            ms.WriteByte((byte)(0x80 | lengthBytes));
            for (int i = lengthBytes - 1; i >= 0; i--)
            {
                ms.WriteByte(i >= 4 ? (byte)0 : (byte)(len >> (8 * i)));
            }
        }

        ms.Write(content);
    }

    public DerNode Clone()
    {
        var copy = new DerNode { Tag = Tag, Content = Content, BitStringWrapper = BitStringWrapper, LongLengthBytes = LongLengthBytes };
        if (Children is not null)
        {
            copy.Children = Children.ConvertAll(c => c.Clone());
        }

        return copy;
    }

    /// <summary>All nodes, depth first, with their parent (null for the root).</summary>
    public List<(DerNode Node, DerNode? Parent)> Flatten()
    {
        var all = new List<(DerNode, DerNode?)>();
        void Walk(DerNode n, DerNode? parent)
        {
            all.Add((n, parent));
            if (n.Children is not null)
            {
                foreach (DerNode c in n.Children)
                {
                    Walk(c, n);
                }
            }
        }

        Walk(this, null);
        return all;
    }
}
