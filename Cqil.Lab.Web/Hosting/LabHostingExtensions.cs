using Cqil.Lab.Core.Jobs;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Web.Api;
using Cqil.Lab.Web.Components;
using Cqil.Lab.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Cqil.Lab.Web.Hosting;

/// <summary>Service registration (one extension per area) and the request pipeline, kept out of Program.cs.</summary>
public static class LabHostingExtensions
{
    public static WebApplicationBuilder AddLab(this WebApplicationBuilder builder)
    {
        // libtorch must see the native environment (OpenMP wait policy) before it loads.
        TorchRuntime.EnsureInitialized();
        builder.Services.AddLabOptions(builder.Configuration);
        builder.Services.AddLabModels();
        builder.Services.AddLabData();
        builder.Services.AddLabJobs();
        builder.Services.AddLabInterface();
        return builder;
    }

    /// <summary>The "Lab" settings, validated at startup.</summary>
    public static IServiceCollection AddLabOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LabOptions>().Bind(configuration.GetSection(LabOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LabOptions>, LabOptionsValidator>();
        services.AddSingleton<LabPaths>();
        return services;
    }

    /// <summary>Model discovery and what goes with a model (tasks, text).</summary>
    public static IServiceCollection AddLabModels(this IServiceCollection services)
    {
        services.AddSingleton<ModelCatalogService>();
        services.AddSingleton<LabModels>();
        return services;
    }

    /// <summary>The SQLite database (plans, runs, jobs and results) through EF Core.</summary>
    public static IServiceCollection AddLabData(this IServiceCollection services)
    {
        services.AddDbContextFactory<LabDbContext>((provider, options) =>
            options.UseSqlite($"Data Source={provider.GetRequiredService<LabPaths>().Database}"));
        services.AddSingleton<PlanStore>();
        services.AddSingleton<JobStore>();
        return services;
    }

    /// <summary>The job queue (a hosted service with one worker per device), its events and the shared actions.</summary>
    public static IServiceCollection AddLabJobs(this IServiceCollection services)
    {
        services.AddSingleton(provider => new ModelPool(provider.GetRequiredService<IOptions<LabOptions>>().Value.LoadedModels));
        services.AddSingleton<JobEvents>();
        services.AddSingleton<JobQueue>();
        services.AddHostedService(provider => provider.GetRequiredService<JobQueue>());
        services.AddSingleton<LabActions>();
        return services;
    }

    /// <summary>Blazor Server with MudBlazor, and the per-circuit lab session.</summary>
    public static IServiceCollection AddLabInterface(this IServiceCollection services)
    {
        services.AddMudServices();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddScoped<LabSession>();
        return services;
    }

    public static WebApplication UseLab(this WebApplication app)
    {
        app.CreateLabDatabase();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseLabUser();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapLabApi();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>Creates the data folder and the database schema if they do not exist yet.</summary>
    public static void CreateLabDatabase(this WebApplication app)
    {
        var paths = app.Services.GetRequiredService<LabPaths>();
        Directory.CreateDirectory(paths.DataFolder);
        Directory.CreateDirectory(Path.GetDirectoryName(paths.Database)!);
        using var db = app.Services.GetRequiredService<IDbContextFactory<LabDbContext>>().CreateDbContext();
        db.Database.EnsureCreated();
    }
}
