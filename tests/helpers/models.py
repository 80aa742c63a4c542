"""Small model settings shared by the tests."""

#: A LayoutLMv3MM small enough for fast tests (4 * 12 + 2 * 8 = 64
#: channels); 12 blocks unless ``num_layers`` is given as well.
TINY_ARCH = dict(
    embed_dims=64,
    num_heads=4,
    feedforward_channels=128,
    vocab_size=100,
    max_text_positions=40,
    coord_dims=12,
    shape_dims=8)

#: TINY_ARCH as a Hugging Face ``LayoutLMv3Config``'s fields.
TINY_HF = dict(
    hidden_size=64,
    num_hidden_layers=12,
    num_attention_heads=4,
    intermediate_size=128,
    vocab_size=100,
    max_position_embeddings=40,
    type_vocab_size=1,
    coordinate_size=12,
    shape_size=8)
