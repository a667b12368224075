using Kist.Cli.Formatting;
using Kist.Engine.Distribution;

namespace Kist.Cli.Tests.Formatting;

public sealed class TransferDisplayTests
{
    [Fact]
    public void Plain_output_has_one_line_per_state_change_and_none_for_bytes()
    {
        var output = new StringWriter { NewLine = "\n" };
        using (var display = new TransferDisplay(output, live: false))
        {
            display.Message("latest: Pulling from library/busybox");
            display.Layer("9ad63333ebc9", TransferState.PullingFsLayer, 0, 100);
            display.Layer("9ad63333ebc9", TransferState.Downloading, 10, 100);
            display.Layer("9ad63333ebc9", TransferState.Downloading, 90, 100);
            display.Layer("9ad63333ebc9", TransferState.DownloadComplete, 100, 100);
            display.Layer("9ad63333ebc9", TransferState.PullComplete, 100, 100);
            display.Layer("5f70bf18a086", TransferState.MountedFrom, detail: "library/other");
        }
        Assert.Equal(
            "latest: Pulling from library/busybox\n9ad63333ebc9: Pulling fs layer \n9ad63333ebc9: Download complete \n" +
            "9ad63333ebc9: Pull complete \n5f70bf18a086: Mounted from library/other \n",
            output.ToString());
    }

    [Fact]
    public void Live_output_redraws_the_layer_lines_in_place_with_bar_and_bytes()
    {
        var output = new StringWriter { NewLine = "\n" };
        var display = new TransferDisplay(output, live: true);
        display.Message("1: Pulling from app");
        display.Layer("aaaaaaaaaaaa", TransferState.PullingFsLayer, 0, 2_000_000);
        display.Layer("aaaaaaaaaaaa", TransferState.Downloading, 1_000_000, 2_000_000);
        display.Dispose();
        string text = output.ToString();
        Assert.Contains("\u001b[2A", text);
        string bar = "[" + new string('=', 24) + ">" + new string(' ', 25) + "]";
        Assert.Contains($"aaaaaaaaaaaa: Downloading {bar}         1MB/2MB", text);
    }
}
