using RawTls.Server.Internal;

namespace RawTls.Tests.Server;

/// <summary>The lock-free connection table under contention: no slot lost, none handed out twice.</summary>
public class ConnectionTableStressTests
{
    private sealed class Item
    {
    }

    [Fact]
    public void Many_threads_acquiring_and_releasing_lose_nothing_and_double_nothing()
    {
        const int capacity = 16;
        const int threads = 8;
        const int rounds = 20_000;
        var table = new ConnectionTable<Item>(capacity);
        int doubled = 0, refused = 0;
        var items = Enumerable.Range(0, threads * 4).Select(_ => new Item()).ToArray();
        var slotOwners = new int[capacity];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var held = new Stack<int>();
            var random = new Random(t);
            start.SignalAndWait();
            for (int i = 0; i < rounds; i++)
            {
                // Hold up to 20 slots per thread, leaning towards taking: more than the 16 slots even for a thread that
                // runs alone (a loaded machine may run them one after another), so the table also runs full and refuses.
                if (held.Count < 20 && (held.Count == 0 || random.Next(3) != 0))
                {
                    var item = items[(t * 4) + random.Next(4)];
                    if (table.TryAdd(item, out int slot))
                    {
                        if (Interlocked.Increment(ref slotOwners[slot]) != 1)
                        {
                            Interlocked.Increment(ref doubled);
                        }

                        if (!ReferenceEquals(table[slot], item))
                        {
                            Interlocked.Increment(ref doubled);
                        }

                        held.Push(slot);
                    }
                    else
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
                else
                {
                    int slot = held.Pop();
                    Interlocked.Decrement(ref slotOwners[slot]);
                    table.Remove(slot);
                }
            }

            while (held.Count > 0)
            {
                int slot = held.Pop();
                Interlocked.Decrement(ref slotOwners[slot]);
                table.Remove(slot);
            }
        })).ToArray();
        foreach (var w in workers)
        {
            w.Start();
        }

        foreach (var w in workers)
        {
            Assert.True(w.Join(TimeSpan.FromSeconds(60)), "a worker did not finish");
        }

        Assert.Equal(0, doubled);
        Assert.True(refused > 0, "the table never ran full, so the refusal path was not exercised");
        Assert.Equal(0, table.Count);
        Assert.All(slotOwners, owners => Assert.Equal(0, owners));

        // Nothing lost: every slot can be taken again, exactly once each, then the table refuses.
        var seen = new HashSet<int>();
        for (int i = 0; i < capacity; i++)
        {
            Assert.True(table.TryAdd(items[0], out int slot), $"slot {i} of {capacity} was lost");
            Assert.True(seen.Add(slot), $"slot {slot} handed out twice");
        }

        Assert.False(table.TryAdd(items[0], out _));
        Assert.Equal(capacity, table.Count);
    }
}
