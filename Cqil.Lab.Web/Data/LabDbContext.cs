using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Cqil.Lab.Web.Data;

/// <summary>
/// The lab's SQLite database: accounts (ASP.NET Core Identity's user tables), API tokens, saved plans, runs and
/// jobs (with their results).
/// </summary>
public sealed class LabDbContext(DbContextOptions<LabDbContext> options) : IdentityUserContext<LabAccount>(options)
{
    public DbSet<ApiTokenRecord> ApiTokens => Set<ApiTokenRecord>();
    public DbSet<PlanRecord> Plans => Set<PlanRecord>();
    public DbSet<RunRecord> Runs => Set<RunRecord>();
    public DbSet<JobRecord> Jobs => Set<JobRecord>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        model.Entity<ApiTokenRecord>(e =>
        {
            e.HasKey(t => t.Id);
            e.HasIndex(t => t.Hash).IsUnique();
            e.HasIndex(t => t.AccountId);
        });
        model.Entity<PlanRecord>(e =>
        {
            e.HasKey(p => p.Id);
            e.HasIndex(p => p.Name);
        });
        model.Entity<RunRecord>(e =>
        {
            e.HasKey(r => r.Id);
            e.HasIndex(r => r.CreatedUtc);
        });
        model.Entity<JobRecord>(e =>
        {
            e.HasKey(j => j.Id);
            e.Property(j => j.Kind).HasConversion<string>();
            e.Property(j => j.Status).HasConversion<string>();
            e.HasIndex(j => j.Status);
            e.HasIndex(j => j.RunId);
            e.HasIndex(j => j.Sequence);
        });
        // SQLite stores no time zone: every time the lab writes is UTC, and is read back as UTC.
        var utc = new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        foreach (var entity in model.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties().Where(p => p.ClrType == typeof(DateTime) || p.ClrType == typeof(DateTime?)))
            {
                property.SetValueConverter(property.ClrType == typeof(DateTime) ? utc : new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime?, DateTime?>(
                    v => v, v => v == null ? null : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc)));
            }
        }
    }
}
