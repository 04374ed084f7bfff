"""OAT's model: tokens, pointer logits, masks, loss, decoding, the position
table (Fang et al., ECCV 2024; official HKUST-NISL/oat_eccv24)."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement

init_default_scope('mmdet')
import projects.oat  # noqa: E402,F401
from mmdet.registry import MODELS  # noqa: E402
from projects.oat import (OAT, GridPositionEncoding,  # noqa: E402
                          PointerReadout, fit_positional_table,
                          similarity_matrix)
from projects.oat.positional_table import gaussian_profile  # noqa: E402

ROWS, COLS = 3, 4
CROP = (30, 29)


def tiny_oat(**kw):
    cfg = dict(type='OAT', embed_dims=32, num_heads=2, ffn_dims=32,
               num_encoder_layers=1, num_decoder_layers=1, dropout=0.0,
               crop_size=CROP, pe_table=dict(size=4, steps=50), max_len=8,
               pointer_dims=32)
    cfg.update(kw)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(model, paths, targets, nums=None, seed=0):
    g = torch.Generator().manual_seed(seed)
    nums = nums or [ROWS * COLS] * len(paths)
    samples, crops = [], []
    for n, path, t in zip(nums, paths, targets):
        idx = np.arange(n)
        samples.append(BaseDataElement(
            positions=np.stack([idx // COLS, idx % COLS], 1), target=t,
            layout=(ROWS, COLS), gt_scanpath=path))
        crops.append(torch.randint(0, 256, (n, 3) + CROP, generator=g,
                                   dtype=torch.uint8))
    return model.data_preprocessor(dict(inputs=crops, data_samples=samples),
                                   False)


def test_vocabulary_is_objects_then_end_then_pad():
    """N objects -> N + 2 slots per step: 0..N-1 objects, N the target
    token (end of search), N+1 the PAD slot whose logit is the mixing
    layer's bias (the 0 of every head, mixed)."""
    model = tiny_oat().eval()
    data = batch(model, [[1, 2, 5]], [5])
    logits = model(**data, mode='tensor')
    n = ROWS * COLS
    assert logits.shape == (1, 4, n + 2)  # BOS + 3 fixations
    mix = model.pointer.mix
    torch.testing.assert_close(logits[..., n + 1],
                               mix.bias.expand(1, 4))


def test_pointer_logits_by_hand():
    """Two heads, identity projections: head logit = <m_j, d_t> / sqrt(dk)
    for every encoder token j, 0 for PAD; mixed by w1, w2 and a bias."""
    pointer = PointerReadout(embed_dims=2, num_heads=2, key_dims=4)
    with torch.no_grad():
        for fc in list(pointer.encoder_fcs) + list(pointer.decoder_fcs):
            fc.weight.copy_(torch.eye(2))
            fc.bias.zero_()
        pointer.decoder_fcs[1].weight.mul_(2)
        pointer.mix.weight.copy_(torch.tensor([[1.0, 0.5]]))
        pointer.mix.bias.fill_(0.25)
    memory = torch.tensor([[[1., 0.], [0., 1.], [1., 1.]]])  # 2 objects+tgt
    query = torch.tensor([[[2., 3.]]])
    out = pointer(memory, query)
    dots = torch.tensor([2., 3., 5.]) / 2  # / sqrt(4)
    expected = torch.cat([dots * 1.0 + dots * 2 * 0.5 + 0.25,
                          torch.tensor([0.25])])
    torch.testing.assert_close(out[0, 0], expected)


def test_position_lookup_concatenates_row_col_flag_rows():
    table = torch.arange(5 * 3, dtype=torch.float32).view(5, 3)
    pe = GridPositionEncoding(table, out_dims=8)
    out = pe(torch.tensor([2]), torch.tensor([4]), torch.tensor([1]))
    expected = torch.cat([table[2], table[4], table[1]])[:8]
    torch.testing.assert_close(out[0], expected)
    # 4 blank rows follow the table; beyond them is an error
    assert pe(torch.tensor([8]), torch.tensor([0]),
              torch.tensor([0]))[0, :3].abs().sum() == 0
    with pytest.raises(ValueError, match='outside the position table'):
        pe(torch.tensor([9]), torch.tensor([0]), torch.tensor([0]))


def test_causal_mask_later_fixations_do_not_change_earlier_logits():
    model = tiny_oat().eval()
    a = model(**batch(model, [[1, 2, 7, 3]], [3]), mode='tensor')
    b = model(**batch(model, [[1, 2, 9, 0]], [3]), mode='tensor')
    torch.testing.assert_close(a[:, :3], b[:, :3])  # BOS, 1, 2
    assert not torch.allclose(a[:, 3:], b[:, 3:])


def test_padding_of_objects_and_steps_does_not_change_a_sample():
    """A sample alone and beside a longer one (more objects, a longer
    scanpath): the same logits on its own steps; padded objects are never
    pointed at."""
    model = tiny_oat().eval()
    alone = batch(model, [[1, 2]], [4], nums=[10])
    both = batch(model, [[1, 2], [0, 5, 6, 7, 11]], [4, 11], nums=[10, 12])
    la = model(**alone, mode='tensor')
    lb = model(**both, mode='tensor')
    torch.testing.assert_close(lb[0, :3, :10], la[0, :, :10])
    torch.testing.assert_close(lb[0, :3, 12:], la[0, :, 10:])  # end, PAD
    assert torch.isinf(lb[0, :, 10:12]).all()


def test_loss_targets_are_the_path_then_end():
    """Cross-entropy over [f_1..f_T, end] with padding ignored: the loss of a
    batch equals the token-weighted mean of the per-sample losses."""
    model = tiny_oat()
    paths, targets = [[1, 2, 5], [7]], [5, 7]
    data = batch(model, paths, targets)
    loss = model.loss(data['inputs'], data['data_samples'])['loss_scanpath']
    logits = model(**data, mode='tensor')
    n = ROWS * COLS
    nll = []
    for i, p in enumerate(paths):
        labels = torch.tensor(p + [n])
        nll.append(torch.nn.functional.cross_entropy(
            logits[i, :len(labels)], labels, reduction='sum'))
    torch.testing.assert_close(loss, sum(nll) / 6)
    loss.backward()
    assert model.crop_encoder.conv1.weight.grad.abs().sum() > 0


def test_decoding_never_ends_at_the_first_step_and_cuts_at_the_end():
    """A huge end logit everywhere: the first fixation is still an object,
    the second step ends, so one fixation comes out; with the end
    forbidden, decoding stops at max_len."""
    model = tiny_oat().eval()
    data = batch(model, [[]], [3])
    n = ROWS * COLS
    real = model.pointer.forward

    def biased(memory, queries):
        out = real(memory, queries)
        out[..., n] += 1e4
        return out

    model.pointer.forward = biased
    paths = model.generate(data['inputs'], 'greedy')
    assert len(paths[0]) == 1 and paths[0][0] < n
    model.pointer.forward = real
    paths = model.generate(data['inputs'], 'greedy', max_len=5)
    assert len(paths[0]) <= 5 and all(p < n for p in paths[0])


def test_greedy_decoding_follows_the_teacher_forced_argmax():
    model = tiny_oat().eval()
    data = batch(model, [[]], [6])
    path = model.generate(data['inputs'], 'greedy', max_len=6)[0]
    forced = batch(model, [path], [6])
    logits = model(**forced, mode='tensor')[0]
    n = ROWS * COLS
    first = logits[0, :n].argmax().item()
    assert path[0] == first
    for t in range(1, len(path)):
        assert path[t] == logits[t, :n + 1].argmax().item()


def test_predict_fills_paths_for_greedy_and_sampling():
    model = tiny_oat(test_cfg=dict(mode='sample', num_samples=3)).eval()
    data = batch(model, [[], []], [3, 8])
    out = model(**data, mode='predict')
    assert [len(s.pred_scanpaths) for s in out] == [3, 3]
    assert all(len(p) >= 1 for s in out for p in s.pred_scanpaths)
    with pytest.raises(ValueError, match="'greedy' or 'sample'"):
        tiny_oat(test_cfg=dict(mode='beam'))


def test_fitted_table_has_a_gaussian_similarity_profile():
    """OAT's objective on a 6-index grid: cosine similarity of rows i, j
    near exp(-(i-j)^2 / 8) and near-equal row norms; deterministic."""
    table = fit_positional_table(6, dims=86, sigma=2.0, steps=3000)
    sim = similarity_matrix(table)
    target = gaussian_profile(6, 2.0).numpy()
    assert np.abs(sim - target).max() < 0.02
    norms = np.linalg.norm(table, axis=1)
    assert norms.std() / norms.mean() < 0.01
    np.testing.assert_array_equal(
        table, fit_positional_table(6, dims=86, sigma=2.0, steps=3000))


def test_table_file_and_errors(tmp_path):
    table = fit_positional_table(5, steps=10)
    path = tmp_path / 'pe.npy'
    np.save(path, table)
    model = tiny_oat(pe_table=dict(file=str(path)))
    torch.testing.assert_close(model.position.table[:5],
                               torch.from_numpy(table))
    with pytest.raises(FileNotFoundError, match='fit_oat_pe.py'):
        tiny_oat(pe_table=dict(file=str(tmp_path / 'missing.npy')))
    with pytest.raises(ValueError, match='size must be >= 2'):
        fit_positional_table(1)


def test_full_size_model_matches_the_official_layer_sizes():
    """d 512, 4 heads, FFN 512, 4 + 4 layers, 1440-input crop FC: the
    official model's parameters less its unused vocabulary projection and
    linear embedding."""
    model = MODELS.build(dict(type='OAT', pe_table=dict(size=4, steps=1)))
    assert isinstance(model, OAT)
    n = sum(p.numel() for p in model.parameters())
    crop = 16 * 3 * 25 + 16 + 32 * 16 * 9 + 32 + 1440 * 256 + 256
    attn = 4 * 512 * 512 + 4 * 512
    ffn = 2 * 512 * 512 + 2 * 512
    enc = 4 * (attn + ffn + 2 * 2 * 512)
    dec = 4 * (2 * attn + ffn + 3 * 2 * 512)
    pointer = 4 * (512 * 512 + 512) + 3
    assert n == crop + enc + dec + pointer


def test_max_len_comes_from_the_training_split_and_stays_in_checkpoints():
    from types import SimpleNamespace
    from projects.oat import ScanpathLengthHook
    model = tiny_oat(max_len=None).eval()
    data = batch(model, [[]], [3])
    with pytest.raises(ValueError, match='max_len is not set'):
        model.generate(data['inputs'])
    runner = SimpleNamespace(model=model, train_dataloader=SimpleNamespace(
        dataset=SimpleNamespace(longest_scanpath=7)))
    ScanpathLengthHook().before_train(runner)
    assert model.max_len == 7
    assert len(model.generate(data['inputs'])[0]) <= 7
    restored = tiny_oat(max_len=None)
    restored.load_state_dict(model.state_dict())
    assert restored.max_len == 7
    ScanpathLengthHook().before_train(SimpleNamespace(
        model=restored, train_dataloader=None))  # already set: untouched
    assert restored.max_len == 7


def test_table_fit_fast_path_matches_autograd_and_torch_adam():
    """The numpy gradient equals autograd's of the reference objective, and
    200 fitting steps equal torch.optim.Adam's on it."""
    from projects.oat.positional_table import table_gradient, table_loss
    g = torch.Generator().manual_seed(3)
    start = torch.randn(7, 86, generator=g, dtype=torch.float64)
    target = gaussian_profile(7, 2.0)
    param = torch.nn.Parameter(start.clone())
    loss = table_loss(param, target)
    loss.backward()
    value, grad = table_gradient(start.numpy(), target.numpy())
    assert value == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(grad, param.grad.numpy(), atol=1e-15)
    optim = torch.optim.Adam([param], lr=0.01)
    for _ in range(200):
        optim.zero_grad()
        table_loss(param, target).backward()
        optim.step()
    ours = fit_positional_table(7, steps=200, init=start.numpy())
    np.testing.assert_allclose(ours, param.detach().numpy(), atol=1e-6)
