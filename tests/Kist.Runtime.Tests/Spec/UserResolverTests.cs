using Kist.Oci;
using Kist.Runtime.Spec;

namespace Kist.Runtime.Tests.Spec;

public sealed class UserResolverTests
{
    private static readonly List<UserResolver.PasswdEntry> Passwd = UserResolver.ReadPasswd(
        ["root:x:0:0:root:/root:/bin/sh", "alice:x:1000:1000:alice:/home/alice:/bin/sh", "broken line"]);
    private static readonly List<UserResolver.GroupEntry> Groups = UserResolver.ReadGroups(
        ["root:x:0:", "wheel:x:10:alice", "staff:x:50:alice,bob", "alice:x:1000:"]);

    private static string Id(string? spec)
    {
        var u = UserResolver.Resolve(spec, Passwd, Groups);
        return $"{u.Uid}:{u.Gid}:{string.Join(',', u.AdditionalGids)}:{u.Home}";
    }

    [Theory]
    [InlineData(null, "0:0:0:/root")]
    [InlineData("alice", "1000:1000:1000,10,50:/home/alice")]
    [InlineData("1000", "1000:1000:1000,10,50:/home/alice")]
    [InlineData("alice:staff", "1000:50:50:/home/alice")]
    [InlineData("alice:7", "1000:7:7:/home/alice")]
    [InlineData("2000", "2000:0:0:/")]
    [InlineData("2000:50", "2000:50:50:/")]
    public void Users_and_groups_resolve_as_docker_does(string? spec, string expected) => Assert.Equal(expected, Id(spec));

    [Fact]
    public void Unknown_names_are_errors()
    {
        Assert.Throws<InvalidInputException>(() => Id("nobody"));
        Assert.Throws<InvalidInputException>(() => Id("alice:nogroup"));
    }

    [Fact]
    public void Files_behind_a_symlink_of_the_image_are_not_read()
    {
        string root = Directory.CreateTempSubdirectory("kist-user").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            File.CreateSymbolicLink(Path.Combine(root, "etc", "passwd"), "/etc/passwd");
            Assert.Throws<InvalidInputException>(() => UserResolver.Resolve("root", root));
        }
        finally { Directory.Delete(root, true); }
    }
}
