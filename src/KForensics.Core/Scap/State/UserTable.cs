using KForensics.Core.Scap.Format;

namespace KForensics.Core.Scap.State;

/// <summary>Users and groups of the capture's UL block (user.name, group.name).</summary>
internal sealed class UserTable
{
    private readonly Dictionary<uint, UserRecord> _users = [];
    private readonly Dictionary<uint, GroupRecord> _groups = [];

    public IEnumerable<UserRecord> AllUsers => _users.Values;

    public IEnumerable<GroupRecord> AllGroups => _groups.Values;

    public void Add(UserRecord user) => _users[user.Uid] = user;

    public void Add(GroupRecord group) => _groups[group.Gid] = group;

    public UserRecord? FindUser(uint uid) => _users.TryGetValue(uid, out UserRecord? u) ? u : null;

    public GroupRecord? FindGroup(uint gid) => _groups.TryGetValue(gid, out GroupRecord? g) ? g : null;
}
