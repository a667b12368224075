using System.Xml.Linq;

namespace Kist.Architecture.Tests;

/// <summary>
/// The layering of DESIGN.md, checked against the project files: a project may reference only what its
/// row allows, so that a dependency cycle or a shortcut through the layers fails the build's tests.
/// </summary>
public sealed class DependencyRulesTests
{
    /// <summary>This test's own copy of DESIGN.md's "knows about" column. Null: the composition root.</summary>
    private static readonly Dictionary<string, string[]?> Allowed = new()
    {
        ["Kist.Oci"] = [],
        ["Kist.Dockerfile"] = [],
        ["Kist.Content"] = ["Kist.Oci"],
        ["Kist.Layers"] = ["Kist.Oci"],
        ["Kist.Snapshots"] = ["Kist.Oci", "Kist.Layers"],
        ["Kist.Registry"] = ["Kist.Oci"],
        ["Kist.Registry.Server"] = ["Kist.Oci", "Kist.Content"],
        // Not in DESIGN.md's table yet: `kist registry` executes this binary (the closing note of issue #5 says why).
        ["Kist.Registry.Cli"] = ["Kist.Oci", "Kist.Registry.Server"],
        ["Kist.Runtime"] = ["Kist.Oci", "Kist.Snapshots"],
        ["Kist.Build"] = ["Kist.Dockerfile", "Kist.Oci", "Kist.Content", "Kist.Layers", "Kist.Snapshots", "Kist.Runtime", "Kist.Registry"],
        ["Kist.Engine"] = null,
        ["Kist.Cli"] = ["Kist.Engine", "Kist.Oci"],
    };

    public static TheoryData<string> SourceProjects()
    {
        var data = new TheoryData<string>();
        foreach (var project in Directory.EnumerateDirectories(Path.Combine(RepositoryRoot(), "src"))) data.Add(Path.GetFileName(project));
        return data;
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Project_references_follow_the_design(string project)
    {
        Assert.True(Allowed.TryGetValue(project, out var allowed), $"{project} is not in DESIGN.md's table: add it there and here");
        var references = References(project);
        if (allowed is null)
        {
            Assert.All(references, r => Assert.True(Allowed.ContainsKey(r), $"{project} references {r}, which is not a Kist project"));
            return;
        }
        var forbidden = references.Except(allowed).ToList();
        Assert.True(forbidden.Count == 0, $"{project} references {string.Join(", ", forbidden)}; DESIGN.md allows only: {string.Join(", ", allowed)}");
    }

    [Fact]
    public void The_pure_projects_stay_pure()
    {
        // Kist.Oci and Kist.Dockerfile never touch the disk or the network: no framework beyond the base library.
        foreach (var project in new[] { "Kist.Oci", "Kist.Dockerfile" })
        {
            var document = XDocument.Load(ProjectFile(project));
            Assert.Empty(document.Descendants("FrameworkReference"));
            Assert.Empty(References(project));
        }
    }

    [Fact]
    public void The_table_finds_a_violation()
    {
        // The check itself must be able to fail: a reference from Oci to Content is refused.
        Assert.DoesNotContain("Kist.Content", Allowed["Kist.Oci"]!);
        Assert.Contains("Kist.Oci", References("Kist.Content"));
    }

    private static List<string> References(string project) =>
        XDocument.Load(ProjectFile(project)).Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();

    private static string ProjectFile(string project) => Path.Combine(RepositoryRoot(), "src", project, project + ".csproj");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kist.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (Kist.slnx) above " + AppContext.BaseDirectory);
    }
}
