using Cqil.Lab.Core;
using Cqil.Lab.Core.Cqil;
using Microsoft.EntityFrameworkCore;

namespace Cqil.Lab.Web.Data;

/// <summary>Saved plans: list, read, save (a name is unique per owner and layer count: saving again updates it), delete.</summary>
public sealed class PlanStore(IDbContextFactory<LabDbContext> factory)
{
    public async Task<IReadOnlyList<PlanRecord>> ListAsync(int? layerCount = null)
    {
        await using var db = await factory.CreateDbContextAsync();
        var query = db.Plans.AsNoTracking();
        if (layerCount is int n)
        {
            query = query.Where(p => p.LayerCount == n);
        }
        return await query.OrderBy(p => p.Name).ToListAsync();
    }

    public async Task<PlanRecord?> GetAsync(Guid id)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Plans.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id);
    }

    public async Task<PlanRecord> SaveAsync(string name, PlanDocument document, string owner)
    {
        name = name.Trim();
        if (name.Length is 0 or > 120)
        {
            throw new InvalidInputException("a plan needs a name of 1 to 120 characters");
        }
        var doc = document with { Name = name };
        var plan = doc.Plan;
        await using var db = await factory.CreateDbContextAsync();
        var record = await db.Plans.FirstOrDefaultAsync(p => p.Name == name && p.Owner == owner && p.LayerCount == plan.LayerCount);
        var now = DateTime.UtcNow;
        if (record is null)
        {
            record = new PlanRecord { Id = Guid.NewGuid(), Name = name, Owner = owner, Description = "", Json = "", CreatedUtc = now };
            db.Plans.Add(record);
        }
        record.ModelName = doc.Model.Name;
        record.ModelFingerprint = doc.Model.Fingerprint;
        record.LayerCount = plan.LayerCount;
        record.Description = plan.Describe();
        record.SequentialDepth = plan.SequentialDepth;
        record.IdealReduction = plan.IdealReduction;
        record.Json = doc.ToJson();
        record.UpdatedUtc = now;
        await db.SaveChangesAsync();
        return record;
    }

    public async Task<bool> DeleteAsync(Guid id)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Plans.Where(p => p.Id == id).ExecuteDeleteAsync() > 0;
    }

    public static PlanDocument Document(PlanRecord record) => PlanDocument.Parse(record.Json, $"plan '{record.Name}'");
}
