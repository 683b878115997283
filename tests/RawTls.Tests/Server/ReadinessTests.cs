using System.Runtime.CompilerServices;
using RawTls.Server.Internal.Epoll;

namespace RawTls.Tests.Server;

/// <summary>The epoll transport's wait: no wake-up is lost, none is invented, and cancellation ends a wait.</summary>
public class ReadinessTests
{
    [Fact]
    public async Task A_waiter_racing_the_signals_of_another_thread_sees_every_item()
    {
        // The consumer drains a shared counter the way the stream drains a socket (snapshot, try, mark drained, wait);
        // the producer adds and signals like the loop. A lost wake-up leaves the consumer waiting: the bound fails it.
        const int Items = 200_000;
        var readiness = new Readiness();
        int available = 0;
        var producer = new Thread(() =>
        {
            for (int i = 0; i < Items; i++)
            {
                Interlocked.Increment(ref available);
                readiness.Signal();
            }
        }) { IsBackground = true };

        var consumer = Task.Run(async () =>
        {
            int seen = 0;
            while (seen < Items)
            {
                long snapshot = readiness.Snapshot();
                int got = Interlocked.Exchange(ref available, 0);
                if (got > 0)
                {
                    seen += got;
                    continue;
                }

                readiness.MarkDrained(snapshot);
                await readiness.WaitAsync(CancellationToken.None);
            }

            return seen;
        });
        producer.Start();
        Assert.Equal(Items, await consumer.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_wait_after_draining_stays_pending_until_a_signal()
    {
        var readiness = new Readiness();
        readiness.Reset();
        ValueTask<int> wait = readiness.WaitAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        readiness.Signal();
        Assert.True(wait.IsCompleted);
        Assert.Equal(0, await wait);

        // The signal is consumed only by draining: the next wait completes at once until the socket is found empty.
        ValueTask<int> again = readiness.WaitAsync(CancellationToken.None);
        Assert.True(again.IsCompleted);
        await again;
        readiness.MarkDrained(readiness.Snapshot());
        ValueTask<int> drained = readiness.WaitAsync(CancellationToken.None);
        Assert.False(drained.IsCompleted);
        readiness.Signal();
        await drained;
    }

    [Fact]
    public async Task Cancelling_a_wait_ends_it_and_a_later_wait_still_gets_the_signal()
    {
        var readiness = new Readiness();
        readiness.Reset();
        using (var cts = new CancellationTokenSource())
        {
            ValueTask<int> wait = readiness.WaitAsync(cts.Token);
            Assert.False(wait.IsCompleted);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait);
        }

        ValueTask<int> next = readiness.WaitAsync(CancellationToken.None);
        Assert.False(next.IsCompleted);
        readiness.Signal();
        Assert.Equal(0, await next);
    }

    [Fact]
    public void A_first_data_callback_runs_on_the_signalling_thread_or_not_at_all_if_data_came_first()
    {
        var box = new StrongBox<int?>(null);
        var fresh = new Readiness();
        fresh.Reset();
        Assert.True(fresh.TryOnReady(static s => ((StrongBox<int?>)s!).Value = Environment.CurrentManagedThreadId, box));
        var signaller = new Thread(fresh.Signal);
        signaller.Start();
        signaller.Join();
        Assert.Equal(signaller.ManagedThreadId, box.Value);

        var early = new Readiness();
        early.Reset();
        early.Signal();
        Assert.False(early.TryOnReady(static _ => throw new InvalidOperationException("must not run"), new object()));
    }
}
