using Microsoft.EntityFrameworkCore;

namespace Cqil.Lab.Web.Data;

/// <summary>
/// Creates the database schema on first start, and on later starts adds the tables and indexes a newer lab
/// brought (accounts and API tokens came after plans and jobs): the model's create script is run with
/// "IF NOT EXISTS", so an existing lab.db keeps its plans, runs and jobs. Changes to existing tables are not
/// handled (there are no migrations): such a change needs a new database file.
/// </summary>
public static class LabSchema
{
    public static void Ensure(LabDbContext db)
    {
        if (db.Database.EnsureCreated())
        {
            return;
        }
        string script = db.Database.GenerateCreateScript()
            .Replace("CREATE TABLE \"", "CREATE TABLE IF NOT EXISTS \"", StringComparison.Ordinal)
            .Replace("CREATE UNIQUE INDEX \"", "CREATE UNIQUE INDEX IF NOT EXISTS \"", StringComparison.Ordinal)
            .Replace("CREATE INDEX \"", "CREATE INDEX IF NOT EXISTS \"", StringComparison.Ordinal);
        foreach (var statement in script.Split(";", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            db.Database.ExecuteSqlRaw(statement);
        }
    }
}
