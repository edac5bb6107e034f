namespace Cqil.Lab.Core.Tokenization;

/// <summary>
/// GPT-2's reversible byte↔character table used by byte-level BPE vocabularies (Llama 3, Qwen2): printable
/// bytes stand for themselves, the rest are shifted to characters from U+0100 on.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = Build();
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    private static char[] Build()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    public static char Encode(byte b) => ByteToChar[b];

    /// <summary>Bytes of a byte-level string; characters outside the table are kept as their UTF-8.</summary>
    public static byte[] Decode(string text)
    {
        var bytes = new List<byte>(text.Length);
        foreach (char c in text)
        {
            if (CharToByte.TryGetValue(c, out byte b))
            {
                bytes.Add(b);
            }
            else
            {
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        return bytes.ToArray();
    }
}
