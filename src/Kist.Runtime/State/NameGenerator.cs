namespace Kist.Runtime.State;

/// <summary>docker-style random names: an adjective and a notable scientist's surname, e.g. "eager_hopper".</summary>
public static class NameGenerator
{
    private static readonly string[] Adjectives =
    [
        "admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful", "blissful", "bold",
        "boring", "brave", "busy", "charming", "clever", "compassionate", "competent", "condescending", "confident", "cool",
        "cranky", "crazy", "dazzling", "determined", "distracted", "dreamy", "eager", "ecstatic", "elastic", "elated",
        "elegant", "eloquent", "epic", "exciting", "fervent", "festive", "flamboyant", "focused", "friendly", "frosty",
        "funny", "gallant", "gifted", "goofy", "gracious", "great", "happy", "hardcore", "heuristic", "hopeful", "hungry",
        "infallible", "inspiring", "intelligent", "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving",
        "lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic",
        "objective", "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical",
        "recursing", "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange",
        "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant", "vigilant",
        "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen",
    ];

    private static readonly string[] Surnames =
    [
        "agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin", "babbage", "banach",
        "bardeen", "bartik", "bassi", "bell", "bhabha", "blackwell", "bohr", "booth", "borg", "bose", "brahmagupta",
        "brattain", "brown", "carson", "cerf", "chandrasekhar", "chatterjee", "clarke", "colden", "cori", "cray", "curie",
        "darwin", "davinci", "dijkstra", "dubinsky", "easley", "einstein", "elion", "engelbart", "euclid", "euler",
        "faraday", "fermat", "fermi", "feynman", "franklin", "galileo", "gates", "goldberg", "goldstine", "goodall",
        "hamilton", "hawking", "heisenberg", "hermann", "hodgkin", "hoover", "hopper", "hypatia", "jackson", "jang",
        "jennings", "johnson", "kalam", "kapitsa", "keller", "kepler", "khorana", "kilby", "knuth", "lamarr", "lamport",
        "leakey", "leavitt", "lovelace", "lumiere", "mahavira", "mayer", "mccarthy", "mcclintock", "meitner", "mendel",
        "merkle", "mirzakhani", "morse", "napier", "newton", "nobel", "noether", "pascal", "pasteur", "payne", "perlman",
        "pike", "poincare", "ptolemy", "raman", "ramanujan", "ride", "ritchie", "rosalind", "saha", "sammet", "shannon",
        "shockley", "sinoussi", "stallman", "swartz", "tesla", "thompson", "torvalds", "turing", "varahamihira",
        "villani", "wescoff", "wilbur", "wiles", "williams", "wing", "wozniak", "wright", "yalow", "yonath",
    ];

    /// <summary>A name; after the first try (<paramref name="retry"/> 0) a digit is added, as docker does.</summary>
    public static string Generate(int retry = 0, Random? random = null)
    {
        random ??= Random.Shared;
        string name = Adjectives[random.Next(Adjectives.Length)] + "_" + Surnames[random.Next(Surnames.Length)];
        return retry > 0 ? name + random.Next(10) : name;
    }

    /// <summary>docker's rule for --name: [a-zA-Z0-9][a-zA-Z0-9_.-]+.</summary>
    public static bool IsValid(string name) =>
        name.Length >= 2 && char.IsAsciiLetterOrDigit(name[0]) && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '.' or '-');
}
