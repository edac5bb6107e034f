using Cqil.Lab.Core.Jobs;
using Cqil.Lab.Core.Runtime;
using Cqil.Lab.Web.Accounts;
using Cqil.Lab.Web.Api;
using Cqil.Lab.Web.Components;
using Cqil.Lab.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
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
        builder.Services.AddLabAccounts(builder.Configuration);
        builder.Services.AddLabJobs();
        builder.Services.AddLabInterface();
        return builder;
    }

    /// <summary>The "Lab" settings, validated at startup.</summary>
    public static IServiceCollection AddLabOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LabOptions>().Bind(configuration.GetSection(LabOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LabOptions>, LabOptionsValidator>();
        services.AddSingleton<IValidateOptions<LabOptions>>(new LabAuthValidator(configuration));
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

    /// <summary>
    /// Who is asking. Accounts (ASP.NET Core Identity over the lab's SQLite database): browsers sign in with a
    /// password and keep a cookie, scripts send a personal API token; or single-user mode on localhost. One policy
    /// scheme picks per request: a bearer token, else single-user or the cookie. Every endpoint and page needs a
    /// signed-in caller unless it says otherwise (the sign-in page, static files).
    /// </summary>
    public static IServiceCollection AddLabAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        var auth = configuration.GetSection($"{LabOptions.Section}:Auth").Get<LabAuthOptions>() ?? new LabAuthOptions();
        const string pick = "lab";
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = pick;
                o.DefaultChallengeScheme = pick;
                o.DefaultForbidScheme = pick;
            })
            .AddPolicyScheme(pick, pick, o => o.ForwardDefaultSelector = context =>
                ApiTokenAuthenticationHandler.HasBearer(context.Request) ? ApiTokenAuthenticationHandler.SchemeName
                : auth.IsSingleUser ? SingleUserAuthenticationHandler.SchemeName
                : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, SingleUserAuthenticationHandler>(SingleUserAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "cqil-lab";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.LoginPath = AccountEndpoints.LoginPath;
            o.LogoutPath = AccountEndpoints.LogoutPath;
            o.AccessDeniedPath = AccountEndpoints.DeniedPath;
            o.ExpireTimeSpan = TimeSpan.FromHours(Math.Max(1, auth.SessionHours));
            o.SlidingExpiration = true;
            // The API answers with JSON status codes; only pages are sent to the sign-in page.
            o.Events.OnRedirectToLogin = c => LabChallenges.IsApi(c.Request)
                ? LabChallenges.UnauthorizedAsync(c.HttpContext, "sign in: send a personal API token as 'Authorization: Bearer <token>'")
                : Redirect(c);
            o.Events.OnRedirectToAccessDenied = c => LabChallenges.IsApi(c.Request) ? LabChallenges.ForbiddenAsync(c.HttpContext) : Redirect(c);
        });
        // A changed role or password reaches signed-in browsers within a minute.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        services.AddIdentityCore<LabAccount>(o =>
            {
                o.Password.RequiredLength = LabAccounts.MinPasswordLength;
                o.Password.RequireDigit = o.Password.RequireLowercase = o.Password.RequireUppercase = o.Password.RequireNonAlphanumeric = false;
                o.User.AllowedUserNameCharacters = AccountNames.Characters;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddEntityFrameworkStores<LabDbContext>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<LabClaimsFactory>();
        services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, LabRevalidatingStateProvider>();
        services.AddSingleton<ApiTokenStore>();
        services.AddScoped<LabAccounts>();
        if (auth.IsSingleUser)
        {
            services.AddHostedService<SingleUserGuard>();
        }
        else
        {
            services.AddHostedService<FirstAdmin>();
        }
        return services;

        static Task Redirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> c)
        {
            c.Response.Redirect(c.RedirectUri);
            return Task.CompletedTask;
        }
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
        if (!NativeEnvironment.WaitPolicyApplied)
        {
            app.Logger.LogWarning("Latency measurements will be skewed: {Policy}", NativeEnvironment.WaitPolicy);
        }
        app.CreateLabDatabase();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets().AllowAnonymous();
        app.MapLabAccounts();
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
        LabSchema.Ensure(db);
    }
}
