using Cqil.Lab.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddLab();

var app = builder.Build();
app.UseLab();
app.Run();

/// <summary>Entry point type, public so integration tests can host the app.</summary>
public partial class Program;
