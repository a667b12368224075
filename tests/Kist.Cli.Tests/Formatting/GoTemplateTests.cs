using System.Text.Json;
using Kist.Cli.Formatting;
using Kist.Oci;

namespace Kist.Cli.Tests.Formatting;

public class GoTemplateTests
{
    private const string Inspect = """
        {"Id":"sha256:abc","RepoTags":["busybox:latest","busybox:1"],"Size":4261550,"Os":"linux",
         "Config":{"Cmd":["sh","-c","echo hi"],"Entrypoint":null,"Env":["PATH=/bin","A=1"],"Labels":{"z":"last","a":"first"},"Volumes":null,"User":"","Tty":false},
         "RootFS":{"Type":"layers","Layers":["sha256:1","sha256:2"]},"Empty":[]}
        """;

    private static string Run(string template)
    {
        using var doc = JsonDocument.Parse(Inspect);
        return GoTemplate.Parse(template).Execute(doc.RootElement);
    }

    [Theory]
    [InlineData("{{.Id}}", "sha256:abc")]
    [InlineData("{{.Os}}/{{.Size}}", "linux/4261550")]
    [InlineData("{{.Config.Cmd}}", "[sh -c echo hi]")]
    [InlineData("{{.RootFS.Layers}}", "[sha256:1 sha256:2]")]
    [InlineData("{{.Config.Labels}}", "map[a:first z:last]")]
    [InlineData("{{.Config.Entrypoint}}", "[]")]
    [InlineData("{{.Config.Volumes}}", "map[]")]
    [InlineData("{{.Empty}}", "[]")]
    [InlineData("{{.Nope}}", "<no value>")]
    [InlineData("{{.Config.Tty}}", "false")]
    [InlineData("{{json .Config.Cmd}}", "[\"sh\",\"-c\",\"echo hi\"]")]
    [InlineData("{{json .Config.Labels}}", "{\"z\":\"last\",\"a\":\"first\"}")]
    [InlineData("{{json .Config.Entrypoint}}", "null")]
    [InlineData("{{json .Id}}", "\"sha256:abc\"")]
    [InlineData("{{join .Config.Cmd \" \"}}", "sh -c echo hi")]
    [InlineData("{{join .RepoTags \",\"}}", "busybox:latest,busybox:1")]
    [InlineData("{{index .RepoTags 1}}", "busybox:1")]
    [InlineData("{{index .Config.Labels \"z\"}}", "last")]
    [InlineData("{{len .RepoTags}}", "2")]
    [InlineData("{{len .Config.Labels}}", "2")]
    [InlineData("{{upper .Os}}", "LINUX")]
    [InlineData("{{lower \"ABC\"}}", "abc")]
    [InlineData("{{.Os | upper}}", "LINUX")]
    [InlineData("{{title \"hello world\"}}", "Hello World")]
    [InlineData("{{printf \"%s-%s\" .Os .Id}}", "linux-sha256:abc")]
    [InlineData("{{range .RepoTags}}[{{.}}]{{end}}", "[busybox:latest][busybox:1]")]
    [InlineData("{{range .Config.Labels}}{{.}};{{end}}", "first;last;")]
    [InlineData("{{range .Empty}}x{{else}}none{{end}}", "none")]
    [InlineData("{{if .Config.User}}user{{else}}root{{end}}", "root")]
    [InlineData("{{if .RepoTags}}tagged{{end}}", "tagged")]
    [InlineData("{{if .Config.Entrypoint}}ep{{else}}no ep{{end}}", "no ep")]
    [InlineData("{{if .Nope}}yes{{else}}no{{end}}", "no")]
    [InlineData("{{with .RootFS}}{{.Type}}{{end}}", "layers")]
    [InlineData("{{with .Config.User}}u{{else}}empty{{end}}", "empty")]
    [InlineData("a  {{- .Os -}}  b", "alinuxb")]
    [InlineData("a \n {{- .Os}} \n b", "alinux \n b")]
    [InlineData("{{range .RepoTags -}}\n  {{.}}\n{{- end}}", "busybox:latestbusybox:1")]
    [InlineData("{{/* a comment */}}x", "x")]
    [InlineData("plain text", "plain text")]
    [InlineData("{{\"quoted\"}}", "quoted")]
    [InlineData("{{`raw`}}", "raw")]
    public void Renders_as_docker(string template, string expected)
    {
        Assert.Equal(expected, Run(template));
    }

    [Theory]
    [InlineData("{{.Id")]
    [InlineData("{{end}}")]
    [InlineData("{{if .Id}}x")]
    [InlineData("{{range .RepoTags}}x{{else}}y")]
    [InlineData("{{nosuchfunc .Id}}")]
    [InlineData("{{join .RepoTags}}")]
    [InlineData("{{\"unterminated}}")]
    [InlineData("{{.Id.Sub}}")]
    [InlineData("{{index .RepoTags 9}}")]
    [InlineData("{{bogus}}")]
    public void Bad_templates_raise_InvalidInputException(string template)
    {
        var e = Assert.Throws<InvalidInputException>(() => Run(template));
        Assert.StartsWith("template: ", e.Message);
    }

    [Fact]
    public void Print_of_plain_values()
    {
        Assert.Equal("<nil>", GoTemplate.Print(null));
        Assert.Equal("true", GoTemplate.Print(true));
        Assert.Equal("42", GoTemplate.Print(42L));
        Assert.Equal("s", GoTemplate.Print("s"));
    }
}
