using System.Text;
using KForensics.Core.Scap.State;
using Xunit;

namespace KForensics.Tests.Scap;

/// <summary>
/// The k8s state of agent captures (PPME_K8S_E) follows sysdig 0.29.3's links: a controller, replica set, service
/// or deployment is linked to the pods its selector matches when an event of its own kind arrives, and not later.
/// </summary>
public sealed class K8sTableTests
{
    private const string Pod = """
        {"kind":"Pod","type":"ADDED","items":[{"name":"web-1","namespace":"shop","uid":"p1",
         "labels":{"role":"web","app":"shop","tier":""},
         "containerStatuses":[{"containerID":"docker://0123456789abcdef0123"}]}]}
        """;

    private const string ReplicaSet = """
        {"kind":"ReplicaSet","type":"ADDED","items":[{"name":"web","namespace":"shop","uid":"r1",
         "labels":{"app":"shop"},"selector":{"app":"shop","role":"web"}}]}
        """;

    private static void Apply(K8sTable table, string json) => table.Apply(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_replica_set_links_the_pods_known_when_its_event_arrives()
    {
        var table = new K8sTable();
        Apply(table, ReplicaSet);
        Apply(table, Pod);
        PodInfo pod = table.FindByContainer("0123456789ab")!;
        Assert.Equal("web-1", pod.Name);
        Assert.Null(table.ReplicaSetOf(pod));

        Apply(table, ReplicaSet.Replace("ADDED", "MODIFIED", StringComparison.Ordinal));
        Assert.Equal("web", table.ReplicaSetOf(pod)?.Name);
    }

    [Fact]
    public void Labels_are_kept_in_key_order_and_a_selector_needs_the_same_namespace()
    {
        var table = new K8sTable();
        Apply(table, Pod);
        Apply(table, ReplicaSet.Replace("\"shop\",\"uid\"", "\"other\",\"uid\"", StringComparison.Ordinal));
        PodInfo pod = table.FindByContainer("0123456789ab")!;
        Assert.Equal(["app", "role", "tier"], pod.Labels.Select(l => l.Key));
        Assert.Null(table.ReplicaSetOf(pod));
    }

    [Fact]
    public void A_modification_of_an_unknown_object_and_a_deletion_are_applied_as_sysdig_applies_them()
    {
        var table = new K8sTable();
        Apply(table, Pod.Replace("ADDED", "MODIFIED", StringComparison.Ordinal));
        Assert.Null(table.FindByContainer("0123456789ab"));
        Assert.True(table.HasState);

        Apply(table, Pod);
        Apply(table, """{"kind":"Namespace","type":"ADDED","items":[{"name":"shop","uid":"n1","labels":null}]}""");
        PodInfo pod = table.FindByContainer("0123456789ab")!;
        Assert.Equal("n1", table.NamespaceOf(pod)?.Uid);
        Assert.Empty(table.NamespaceOf(pod)!.Labels);

        Apply(table, Pod.Replace("ADDED", "DELETED", StringComparison.Ordinal));
        Assert.Null(table.FindByContainer("0123456789ab"));
    }
}
