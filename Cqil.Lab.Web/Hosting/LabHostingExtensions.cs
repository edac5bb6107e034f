using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Web.Components;
using MudBlazor.Services;

namespace Cqil.Lab.Web.Hosting;

/// <summary>Service registration and the request pipeline, kept out of Program.cs.</summary>
public static class LabHostingExtensions
{
    public static WebApplicationBuilder AddLab(this WebApplicationBuilder builder)
    {
        // libtorch must see the native environment (OpenMP wait policy) before it loads.
        TorchRuntime.EnsureInitialized();

        builder.Services.AddOptions<LabOptions>()
            .Bind(builder.Configuration.GetSection(LabOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<LabOptions>, LabOptionsValidator>();
        builder.Services.AddSingleton<ModelCatalogService>();

        builder.Services.AddMudServices();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        return builder;
    }

    public static WebApplication UseLab(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
