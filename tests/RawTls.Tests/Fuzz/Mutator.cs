using System.Text;
using CsCheck;

namespace RawTls.Tests.Fuzz;

/// <summary>One mutation: its kind and three random words that pick positions and values.</summary>
internal readonly record struct MutationStep(int Kind, uint A, uint B, uint C);

/// <summary>
/// CsCheck generators of mutated inputs. <see cref="Der"/> mutates DER structures (bit flips, truncation, extension,
/// length-field and tag changes, BER re-encodings, content and time edits, deleted/duplicated/swapped children,
/// subtrees grafted from other seeds, certificates swapped in); <see cref="Text"/> mutates line-based protocol
/// text (byte edits plus spliced protocol tokens).
/// </summary>
internal static class Mutator
{
    private const int DerKinds = 15;
    private const int TextKinds = 9;

    public static Gen<byte[]> Der(IReadOnlyList<byte[]> seeds, IReadOnlyList<byte[]> certificates)
    {
        DerNode?[] trees = [.. seeds.Select(s => DerNode.TryParse(s))];
        DerNode?[] donors = [.. certificates.Select(c => DerNode.TryParse(c))];
        Gen<MutationStep[]> steps = Gen.Select(Gen.Int[0, DerKinds - 1], Gen.UInt, Gen.UInt, Gen.UInt, static (k, a, b, c) => new MutationStep(k, a, b, c)).Array[1, 5];
        return Gen.Select(Gen.Int[0, seeds.Count - 1], steps, (i, s) => ApplyDer(seeds[i], trees, donors, s));
    }

    public static Gen<byte[]> Text(IReadOnlyList<byte[]> seeds, IReadOnlyList<string> tokens)
    {
        byte[][] tokenBytes = [.. tokens.Select(Encoding.Latin1.GetBytes)];
        Gen<MutationStep[]> steps = Gen.Select(Gen.Int[0, TextKinds - 1], Gen.UInt, Gen.UInt, Gen.UInt, static (k, a, b, c) => new MutationStep(k, a, b, c)).Array[0, 6];
        return Gen.Select(Gen.Int[0, seeds.Count - 1], steps, (i, s) => ApplyText(seeds[i], tokenBytes, s));
    }

    internal static byte[] ApplyDer(byte[] seed, DerNode?[] trees, DerNode?[] donors, MutationStep[] steps)
    {
        byte[] bytes = seed;
        foreach (MutationStep step in steps)
        {
            bytes = step.Kind switch
            {
                0 => FlipBits(bytes, step),
                1 => Truncate(bytes, step),
                2 => Extend(bytes, step),
                3 => EditLengthField(bytes, step),
                14 => Insert(bytes, step, null),
                _ => Tree(bytes, step, trees, donors),
            };
        }

        return bytes;
    }

    private static byte[] Tree(byte[] bytes, MutationStep step, DerNode?[] trees, DerNode?[] donors)
    {
        DerNode? root = DerNode.TryParse(bytes)?.Clone();
        if (root is null)
        {
            return FlipBits(bytes, step);
        }

        List<(DerNode Node, DerNode? Parent)> all = root.Flatten();
        (DerNode node, DerNode? parent) = all[(int)(step.A % (uint)all.Count)];
        switch (step.Kind)
        {
            case 4: // tag change: to a tag the parsers know, or any byte
                byte[] tags = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0A, 0x0C, 0x17, 0x18, 0x30, 0x31, 0x80, 0x81, 0x82, 0xA0, 0xA1, 0xA2, 0xA3, 0x1F];
                node.Tag = step.B % 3 == 0 ? (byte)step.C : tags[step.C % (uint)tags.Length];
                if ((node.Tag & 0x20) == 0 && node.Children is not null && !IsWrapper(node.Tag))
                {
                    node.Content = Encode(node.Children);
                    node.Children = null;
                }

                break;
            case 5: // content replaced
                if (node.Children is null)
                {
                    node.Content = (step.B % 6) switch
                    {
                        0 => [],
                        1 => [0x00],
                        2 => [.. Enumerable.Repeat((byte)0xFF, (int)(step.C % 40) + 1)],
                        3 => [.. node.Content, .. node.Content],
                        4 => node.Content.Length > 0 ? node.Content[..(int)(step.C % (uint)node.Content.Length)] : [0x80],
                        _ => RandomBytes(step.C, (int)(step.C % 24)),
                    };
                }

                break;
            case 6 when parent?.Children is { Count: > 0 } siblings:
                siblings.Remove(node);
                break;
            case 7 when parent?.Children is { } siblings2:
                siblings2.Insert(siblings2.IndexOf(node), node.Clone());
                break;
            case 8 when node.Children is { Count: > 1 } kids:
                int i = (int)(step.B % (uint)kids.Count), j = (int)(step.C % (uint)kids.Count);
                (kids[i], kids[j]) = (kids[j], kids[i]);
                break;
            case 9: // graft a subtree of another seed (same tag preferred) in place of this node
                DerNode? donorTree = trees[step.B % (uint)trees.Length];
                if (donorTree is not null && parent?.Children is { } slots)
                {
                    List<(DerNode Node, DerNode? Parent)> candidates = donorTree.Flatten().Where(n => n.Node.Tag == node.Tag).ToList();
                    if (candidates.Count == 0)
                    {
                        candidates = donorTree.Flatten();
                    }

                    slots[slots.IndexOf(node)] = candidates[(int)(step.C % (uint)candidates.Count)].Node.Clone();
                }

                break;
            case 10: // swap a certificate inside the response, or add one
                SwapCertificate(root, all, donors, step);
                break;
            case 11: // BER re-encoding: a non-minimal long-form length
                node.LongLengthBytes = 1 + (int)(step.B % 5);
                break;
            case 12: // time edits
                foreach ((DerNode t, _) in all.Where(n => n.Node.Tag is 0x18 or 0x17).Skip((int)(step.B % 4)).Take(1))
                {
                    string text = Encoding.ASCII.GetString(t.Content);
                    string[] variants = ["19700101000000Z", "99991231235959Z", text.TrimEnd('Z'), text.Replace("Z", ".5Z", StringComparison.Ordinal), text + "Z", text.Replace("Z", "+0100", StringComparison.Ordinal), "20261301000000Z", "2026010100000Z", text.Replace('0', '9')];
                    t.Content = Encoding.ASCII.GetBytes(variants[step.C % (uint)variants.Length]);
                }

                break;
            default: // 13: integer edits (non-minimal, negative, huge)
                foreach ((DerNode n, _) in all.Where(n => n.Node.Tag == 0x02).Skip((int)(step.B % 6)).Take(1))
                {
                    n.Content = (step.C % 4) switch
                    {
                        0 => [0x00, .. n.Content],
                        1 => [0xFF, .. n.Content],
                        2 => [],
                        _ => RandomBytes(step.C, 40),
                    };
                }

                break;
        }

        return root.Encode();
    }

    private static bool IsWrapper(byte tag) => tag is 0x03 or 0x04;

    private static void SwapCertificate(DerNode root, List<(DerNode Node, DerNode? Parent)> all, DerNode?[] donors, MutationStep step)
    {
        DerNode? donor = donors[step.B % (uint)donors.Length];
        if (donor is null)
        {
            return;
        }

        // Certificates sit in the SEQUENCE OF under the BasicOCSPResponse's [0].
        var lists = all.Where(n => n.Node.Tag == 0x30 && n.Parent?.Tag == 0xA0 && n.Node.Children is { Count: > 0 } c && c[0].Tag == 0x30 && c[0].Children is { Count: > 3 }).ToList();
        if (lists.Count > 0)
        {
            List<DerNode> certs = lists[0].Node.Children!;
            if (step.C % 3 == 0)
            {
                certs.Add(donor.Clone());
            }
            else
            {
                certs[(int)(step.C % (uint)certs.Count)] = donor.Clone();
            }

            return;
        }

        // No certificates: add the list to the BasicOCSPResponse (the SEQUENCE of tbs, algorithm, BIT STRING).
        var basic = all.FirstOrDefault(n => n.Node.Tag == 0x30 && n.Node.Children is { Count: 3 } c && c[2].Tag == 0x03).Node;
        basic?.Children!.Add(new DerNode { Tag = 0xA0, Children = [new DerNode { Tag = 0x30, Children = [donor.Clone()] }] });
        _ = root;
    }

    private static byte[] Encode(List<DerNode> nodes) => [.. nodes.SelectMany(n => n.Encode())];

    private static byte[] FlipBits(byte[] bytes, MutationStep step)
    {
        if (bytes.Length == 0)
        {
            return [(byte)step.A];
        }

        byte[] copy = (byte[])bytes.Clone();
        int flips = 1 + (int)(step.C % 8);
        uint x = step.A;
        for (int i = 0; i < flips; i++)
        {
            x = (x * 1103515245) + 12345 + step.B;
            copy[(int)(x % (uint)copy.Length)] ^= (byte)(1 << (int)((x >> 16) % 8));
        }

        return copy;
    }

    private static byte[] Truncate(byte[] bytes, MutationStep step) =>
        bytes.Length == 0 ? bytes : bytes[..(int)(step.A % (uint)bytes.Length)];

    private static byte[] Extend(byte[] bytes, MutationStep step) => (step.B % 3) switch
    {
        0 => [.. bytes, .. RandomBytes(step.C, 1 + (int)(step.A % 64))],
        1 => [.. bytes, .. bytes.Skip((int)(step.A % (uint)Math.Max(1, bytes.Length)))],
        _ => [.. bytes, 0x00, 0x00],
    };

    private static byte[] Insert(byte[] bytes, MutationStep step, byte[][]? tokens)
    {
        int at = bytes.Length == 0 ? 0 : (int)(step.A % (uint)(bytes.Length + 1));
        byte[] piece = tokens is { Length: > 0 } ? tokens[step.B % (uint)tokens.Length] : RandomBytes(step.C, 1 + (int)(step.B % 16));
        return [.. bytes.AsSpan(0, at), .. piece, .. bytes.AsSpan(at)];
    }

    /// <summary>Rewrites the length field of one TLV header found by scanning: off by one, zero, indefinite, non-minimal, huge.</summary>
    private static byte[] EditLengthField(byte[] bytes, MutationStep step)
    {
        var headers = new List<(int LengthAt, int LengthBytes, int Length)>();
        Scan(bytes, 0, bytes.Length, headers, 0);
        if (headers.Count == 0)
        {
            return FlipBits(bytes, step);
        }

        (int lengthAt, int lengthBytes, int length) = headers[(int)(step.A % (uint)headers.Count)];
        byte[] replacement = (step.B % 8) switch
        {
            0 => EncodeLength(length + 1),
            1 => EncodeLength(Math.Max(0, length - 1)),
            2 => [0x00],
            3 => [0x80], // indefinite (BER only)
            4 => [0x84, 0xFF, 0xFF, 0xFF, 0xFF],
            5 => [0x89, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            6 => [0x82, (byte)(length >> 8), (byte)length], // non-minimal for short lengths
            _ => EncodeLength((int)(step.C % 70000)),
        };
        return [.. bytes.AsSpan(0, lengthAt), .. replacement, .. bytes.AsSpan(lengthAt + lengthBytes)];
    }

    private static void Scan(byte[] b, int from, int to, List<(int, int, int)> headers, int depth)
    {
        int at = from;
        while (at + 2 <= to && depth < 20)
        {
            byte tag = b[at];
            int lengthAt = at + 1;
            int len = b[lengthAt];
            int lengthBytes = 1;
            if (len >= 0x80)
            {
                int n = len & 0x7F;
                if (n is 0 or > 3 || lengthAt + 1 + n > to)
                {
                    return;
                }

                len = 0;
                for (int i = 0; i < n; i++)
                {
                    len = (len << 8) | b[lengthAt + 1 + i];
                }

                lengthBytes = 1 + n;
            }

            int content = lengthAt + lengthBytes;
            if (len > to - content)
            {
                return;
            }

            headers.Add((lengthAt, lengthBytes, len));
            if ((tag & 0x20) != 0 || tag is 0x04)
            {
                Scan(b, content, content + len, headers, depth + 1);
            }

            at = content + len;
        }
    }

    private static byte[] EncodeLength(int length) => length switch
    {
        < 0x80 => [(byte)length],
        < 0x100 => [0x81, (byte)length],
        < 0x10000 => [0x82, (byte)(length >> 8), (byte)length],
        _ => [0x83, (byte)(length >> 16), (byte)(length >> 8), (byte)length],
    };

    private static byte[] RandomBytes(uint seed, int count)
    {
        byte[] b = new byte[count];
        uint x = seed | 1;
        for (int i = 0; i < count; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            b[i] = (byte)x;
        }

        return b;
    }

    internal static byte[] ApplyText(byte[] seed, byte[][] tokens, MutationStep[] steps)
    {
        byte[] bytes = seed;
        foreach (MutationStep step in steps)
        {
            int at = bytes.Length == 0 ? 0 : (int)(step.A % (uint)bytes.Length);
            bytes = step.Kind switch
            {
                0 => FlipBits(bytes, step),
                1 => Truncate(bytes, step),
                2 => Extend(bytes, step),
                3 => Insert(bytes, step, tokens),
                4 => Insert(bytes, step, tokens),
                5 when bytes.Length > 0 => [.. bytes.AsSpan(0, at), .. bytes.AsSpan(Math.Min(bytes.Length, at + 1 + (int)(step.B % 8)))], // delete a run
                6 => [.. bytes.AsSpan(0, at), .. Enumerable.Repeat(tokens[step.B % (uint)tokens.Length], 1 + (int)(step.C % 50)).SelectMany(t => t), .. bytes.AsSpan(at)], // a token repeated
                7 when bytes.Length > 0 => Replace(bytes, at, step), // one byte set to a delimiter or control value
                _ => [.. bytes, .. bytes], // the whole input twice (pipelining)
            };
        }

        return bytes;
    }

    private static byte[] Replace(byte[] bytes, int at, MutationStep step)
    {
        byte[] values = [(byte)'\r', (byte)'\n', (byte)' ', (byte)'\t', (byte)':', 0x00, 0x7F, 0x80, 0xFF, (byte)',', (byte)'/', (byte)'%', (byte)'+', (byte)'='];
        byte[] copy = (byte[])bytes.Clone();
        copy[at] = values[step.B % (uint)values.Length];
        return copy;
    }
}
