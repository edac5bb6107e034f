using Cqil.Lab.Core;
using Cqil.Lab.Core.Jobs;

namespace Cqil.Lab.Tests.Jobs;

public sealed class JobSchedulerTests
{
    private long sequence;

    private ScheduledJob Job(string owner, JobKind kind = JobKind.Evaluation, string device = "cpu") =>
        new(Guid.NewGuid(), owner, kind, device, ++sequence);

    private static JobScheduler Scheduler(int lanes = 1) => new(new Dictionary<string, int> { ["cpu"] = lanes });

    [Fact]
    public void Users_take_turns_and_each_users_jobs_keep_their_order()
    {
        var s = Scheduler();
        var a1 = Job("alice"); var a2 = Job("alice"); var a3 = Job("alice"); var b1 = Job("bob"); var b2 = Job("bob"); var c1 = Job("carol");
        foreach (var j in new[] { a1, a2, a3, b1, b2, c1 })
        {
            s.Enqueue(j);
        }

        Assert.Equal([a1, b1, c1, a2, b2, a3], s.Order("cpu"));
        Assert.Equal(4, s.Position(a2.Id));

        var started = new List<ScheduledJob>();
        while (s.TryStart("cpu") is { } next)
        {
            started.Add(next);
            Assert.Null(s.TryStart("cpu")); // one lane: nothing else until it finishes
            s.Finish(next.Id);
        }
        Assert.Equal([a1, b1, c1, a2, b2, a3], started);
    }

    [Fact]
    public void A_user_who_just_had_a_turn_waits_behind_one_who_did_not()
    {
        var s = Scheduler();
        var a1 = Job("alice");
        s.Enqueue(a1);
        Assert.Equal(a1, s.TryStart("cpu"));
        var a2 = Job("alice");
        var b1 = Job("bob");
        s.Enqueue(a2);
        s.Enqueue(b1);
        s.Finish(a1.Id);
        Assert.Equal(b1, s.TryStart("cpu")); // alice arrived first, but bob has not had a turn
    }

    [Fact]
    public void Latency_jobs_run_alone_and_are_not_overtaken()
    {
        var s = Scheduler(lanes: 2);
        var e1 = Job("alice");
        var lat = Job("bob", JobKind.Latency);
        var e2 = Job("carol");
        s.Enqueue(e1);
        s.Enqueue(lat);
        s.Enqueue(e2);

        Assert.Equal(e1, s.TryStart("cpu"));
        Assert.Null(s.TryStart("cpu"));          // the latency job is next but the device is busy; carol may not overtake
        Assert.Equal(1, s.Position(lat.Id));
        s.Finish(e1.Id);
        Assert.Equal(lat, s.TryStart("cpu"));
        Assert.Null(s.TryStart("cpu"));          // nothing beside a latency job, though a lane is free
        s.Finish(lat.Id);
        Assert.Equal(e2, s.TryStart("cpu"));
    }

    [Fact]
    public void Two_lanes_run_two_ordinary_jobs_at_once()
    {
        var s = Scheduler(lanes: 2);
        s.Enqueue(Job("alice", JobKind.Analysis));
        s.Enqueue(Job("bob", JobKind.Generation));
        s.Enqueue(Job("carol"));
        Assert.NotNull(s.TryStart("cpu"));
        Assert.NotNull(s.TryStart("cpu"));
        Assert.Null(s.TryStart("cpu"));
        Assert.Equal(2, s.Running("cpu").Count);
    }

    [Fact]
    public void Devices_have_separate_lines_and_unknown_devices_are_refused()
    {
        var s = new JobScheduler(new Dictionary<string, int> { ["cpu"] = 1, ["cuda:0"] = 1 });
        var cpu = Job("alice");
        var gpu = Job("alice", JobKind.Latency, "cuda:0");
        s.Enqueue(cpu);
        s.Enqueue(gpu);
        Assert.Equal(cpu, s.TryStart("cpu"));
        Assert.Equal(gpu, s.TryStart("cuda:0"));
        var e = Assert.Throws<InvalidInputException>(() => s.Enqueue(Job("bob", device: "cuda:7")));
        Assert.Contains("cuda:7", e.Message);
    }

    [Fact]
    public void A_cancelled_waiting_job_leaves_the_line()
    {
        var s = Scheduler();
        var a = Job("alice");
        var b = Job("bob");
        s.Enqueue(a);
        s.Enqueue(b);
        Assert.True(s.Remove(a.Id));
        Assert.False(s.Remove(a.Id));
        Assert.Null(s.Position(a.Id));
        Assert.Equal(1, s.Position(b.Id));
    }

    [Theory]
    [InlineData(JobStatus.Queued, JobStatus.Running, true)]
    [InlineData(JobStatus.Queued, JobStatus.Cancelled, true)]
    [InlineData(JobStatus.Running, JobStatus.Done, true)]
    [InlineData(JobStatus.Running, JobStatus.Interrupted, true)]
    [InlineData(JobStatus.Queued, JobStatus.Done, false)]
    [InlineData(JobStatus.Done, JobStatus.Running, false)]
    [InlineData(JobStatus.Cancelled, JobStatus.Queued, false)]
    [InlineData(JobStatus.Interrupted, JobStatus.Running, false)]
    public void Status_moves_are_checked(JobStatus from, JobStatus to, bool allowed)
    {
        Assert.Equal(allowed, JobStatuses.CanMove(from, to));
        if (!allowed)
        {
            Assert.Throws<InvalidOperationException>(() => JobStatuses.CheckMove(from, to));
        }
    }
}
