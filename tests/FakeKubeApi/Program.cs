using System.Text.Json;
using System.Text.Json.Nodes;
using FakeKubeApi;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// Usage: FakeKubeApi --state <directory> [--token <bearer token>]
// Prints "Listening on http://127.0.0.1:<port>" once it accepts connections (the port is chosen by the system).
// Or: FakeKubeApi layout --container <docker name> --layout crio|containerd --pod <p> --namespace <n>
//     --k8s-container <c> --out <file.tar> [--checkpoint-dir <CRIU images>] [--image <name>] [--id <container id>]
// lays out a kubelet checkpoint archive of a running Docker container (see CheckpointLayout).
if (args.Length > 0 && args[0] == "layout")
{
    return await CheckpointLayout.RunCommandLineAsync(args);
}

string? stateDir = null, token = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--state": stateDir = args[i + 1]; break;
        case "--token": token = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

if (stateDir is null)
{
    Console.Error.WriteLine("--state <directory> is required");
    return 2;
}

var state = new ClusterState(Path.GetFullPath(stateDir)) { Token = token };
var kubelet = new Kubelet(state);
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
var app = builder.Build();
app.UseWebSockets();

// Bearer-token authentication, as an API server does it: no or wrong token is a 401 Status.
app.Use(async (context, next) =>
{
    if (state.Token is not null && context.Request.Path.StartsWithSegments("/api")
        && context.Request.Headers.Authorization.ToString() != "Bearer " + state.Token)
    {
        await Api.WriteStatusAsync(context, 401, "Unauthorized", "Unauthorized", null);
        return;
    }

    await next(context);
});

Api.Map(app, state, kubelet);
CheckpointApi.Map(app, state);

// Test control: scenario, seeding, and what happened.
app.MapPut("/_fake/scenario", async (HttpContext c) =>
{
    state.Scenario = await JsonSerializer.DeserializeAsync<Scenario>(c.Request.Body, Api.Web) ?? new Scenario();
    return Results.NoContent();
});
app.MapPost("/_fake/seed", async (HttpContext c) =>
{
    var seed = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
    try
    {
        Seed.Apply(state, seed);
    }
    catch (Docker.DockerException e)
    {
        return Results.Text(e.Message, "text/plain", statusCode: 400);
    }

    return Results.NoContent();
});
app.MapGet("/_fake/history", () => Results.Text(state.History().ToJsonString(), "application/json"));
app.MapGet("/_fake/pods", () => Results.Text(new JsonArray(state.ListPods(null, null, null)
    .Select(p => (JsonNode)$"{p["metadata"]!["namespace"]}/{p["metadata"]!["name"]}").ToArray()).ToJsonString(), "application/json"));

await app.StartAsync();
string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"Listening on {address}");
Console.Out.Flush();
await app.WaitForShutdownAsync();
return 0;
