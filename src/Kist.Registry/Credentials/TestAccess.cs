using System.Runtime.CompilerServices;

// The credential tests replace the default-helper detection instead of changing PATH for every test in the process.
[assembly: InternalsVisibleTo("Kist.Registry.Tests")]
