using Kist.Oci;
using Kist.Runtime.Execution;

namespace Kist.Runtime.Tests.Execution;

public sealed class RuntimeErrorTests
{
    [Theory]
    [InlineData("exec: \"nope\": executable file not found in $PATH", 127)]
    [InlineData("exec: \"/x\": stat /x: no such file or directory", 127)]
    [InlineData("exec: \"/etc/passwd\": permission denied", 126)]
    [InlineData("error mounting \"/a\" to rootfs at \"/b\": no such file or directory", 125)]
    [InlineData("unable to apply caps: operation not permitted", 125)]
    public void Exit_codes_follow_docker(string message, int code) => Assert.Equal(code, RuntimeError.ExitCode(message));

    [Fact]
    public void The_message_comes_out_of_runcs_log_line()
    {
        const string line = "time=\"2026-01-01T00:00:00Z\" level=error msg=\"runc run failed: unable to start container process: exec: \\\"nope\\\": executable file not found in $PATH\"\n";
        Assert.Equal("runc run failed: unable to start container process: exec: \"nope\": executable file not found in $PATH", RuntimeError.Message(line));
    }

    [Theory]
    [InlineData("SIGTERM", 15)]
    [InlineData("term", 15)]
    [InlineData("9", 9)]
    [InlineData("SIGUSR1", 10)]
    [InlineData("RTMIN+1", 35)]
    public void Signals_parse_as_docker(string name, int number) => Assert.Equal(number, Signals.Parse(name));

    [Fact]
    public void Unknown_signals_are_refused() => Assert.Throws<InvalidInputException>(() => Signals.Parse("SIGFOO"));
}
