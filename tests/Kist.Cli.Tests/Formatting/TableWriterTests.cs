using Kist.Cli.Formatting;

namespace Kist.Cli.Tests.Formatting;

public class TableWriterTests
{
    [Fact]
    public void Aligns_as_dockers_tabwriter_min_width_10_padding_3()
    {
        var table = new TableWriter(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]);
        table.Add("busybox", "latest", "6fd955f66c23", "2 weeks ago", "4.26MB");
        table.Add("localhost:5000/a/very/long/name", "1", "0123456789ab", "3 years ago", "1GB");
        var output = new StringWriter();
        table.WriteTo(output);
        Assert.Equal(
            "REPOSITORY                        TAG       IMAGE ID       CREATED       SIZE\n" +
            "busybox                           latest    6fd955f66c23   2 weeks ago   4.26MB\n" +
            "localhost:5000/a/very/long/name   1         0123456789ab   3 years ago   1GB\n",
            output.ToString().Replace("\r\n", "\n"));
    }

    [Fact]
    public void Short_columns_take_the_minimum_width_and_the_last_is_not_padded()
    {
        var table = new TableWriter(["A", "B"]);
        table.Add("x", "");
        var output = new StringWriter();
        table.WriteTo(output);
        Assert.Equal("A         B\nx\n", output.ToString().Replace("\r\n", "\n"));
    }

    [Fact]
    public void RowFormatter_table_template_and_json()
    {
        var headers = new Dictionary<string, string> { ["Repository"] = "REPOSITORY", ["Tag"] = "TAG" };
        var formatter = new RowFormatter("table {{.Repository}}\\t{{.Tag}}", headers);
        var rows = new[] { new Dictionary<string, string> { ["Repository"] = "busybox", ["Tag"] = "latest" } };

        var table = new StringWriter();
        formatter.Write(table, null, rows);
        Assert.Equal("REPOSITORY   TAG\nbusybox      latest\n", table.ToString().Replace("\r\n", "\n"));

        var plain = new StringWriter();
        formatter.Write(plain, "{{.Repository}}:{{.Tag}}", rows);
        Assert.Equal("busybox:latest\n", plain.ToString().Replace("\r\n", "\n"));

        var json = new StringWriter();
        formatter.Write(json, "json", rows);
        Assert.Equal("{\"Repository\":\"busybox\",\"Tag\":\"latest\"}\n", json.ToString().Replace("\r\n", "\n"));
    }
}
