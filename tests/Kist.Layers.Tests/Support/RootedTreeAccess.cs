namespace Kist.Layers.Tests.Apply;

internal static class RootedTreeAccess
{
    public static string ReadLink(int dirfd, string name) => Kist.Layers.Apply.RootedTree.ReadLink(dirfd, name);
}
