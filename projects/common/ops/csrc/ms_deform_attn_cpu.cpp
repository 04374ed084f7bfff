// Multi-scale deformable attention on CPU, forward and backward.
//
// Zhu et al., "Deformable DETR" (ICLR 2021), eq. (3): for every query and
// head, the sum over levels and points of the attention weight times the
// bilinear sample of that level's value map at the sampling location
// (zero outside the map, pixel centres at half-integers: grid_sample's
// align_corners=False). The same numbers as mmcv's
// multi_scale_deformable_attn_pytorch up to float rounding, without its
// (queries x heads x dims x levels x points) intermediates.
//
// Layouts (all contiguous):
//   value               (bs, num_value, heads, dims)
//   spatial_shapes      (levels, 2) int64, (h, w) per level
//   level_start_index   (levels,) int64
//   sampling_locations  (bs, num_query, heads, levels, points, 2), (x, y)
//   attention_weights   (bs, num_query, heads, levels, points)
//   output              (bs, num_query, heads * dims)
//
// Threads: the forward splits (image, query) pairs, the backward splits
// (image, head) pairs, so that every thread owns the rows of the value
// gradient it accumulates into (no atomics, deterministic).
#include <torch/extension.h>

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

namespace {

// Runs fn(begin, end) over [0, n) on up to at::get_num_threads() threads.
template <typename F>
void parallel_range(int64_t n, int64_t min_per_thread, const F& fn) {
  int64_t threads = std::min<int64_t>(at::get_num_threads(),
                                      n / std::max<int64_t>(1, min_per_thread));
  if (threads <= 1) {
    fn(0, n);
    return;
  }
  std::vector<std::thread> pool;
  const int64_t step = (n + threads - 1) / threads;
  for (int64_t t = 1; t < threads; ++t) {
    const int64_t begin = t * step, end = std::min(n, begin + step);
    if (begin < end) pool.emplace_back(fn, begin, end);
  }
  fn(0, std::min(n, step));
  for (auto& worker : pool) worker.join();
}

// The four bilinear corners of one sampling point: their row offsets in the
// value tensor (-1 where outside the map) and their weights.
template <typename scalar_t>
struct Corners {
  int64_t row[4];
  scalar_t weight[4];
  // fractional parts, for the location gradient
  scalar_t lx, ly;
  bool any;

  Corners(scalar_t loc_x, scalar_t loc_y, int64_t height, int64_t width,
          int64_t row_stride) {
    // pixel coordinates as mmcv's PyTorch path gets them (grid = 2 loc - 1,
    // then grid_sample's grid * size / 2 + (size - 1) / 2 as one
    // multiply-add), so that float32 locations round the same way
    const scalar_t half_w = scalar_t(width) / 2, half_h = scalar_t(height) / 2;
    const scalar_t x = std::fma(2 * loc_x - 1, half_w, half_w - scalar_t(0.5));
    const scalar_t y = std::fma(2 * loc_y - 1, half_h, half_h - scalar_t(0.5));
    any = x > -1 && y > -1 && x < width && y < height;
    if (!any) return;
    const scalar_t fx = std::floor(x), fy = std::floor(y);
    const int64_t x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
    lx = x - fx;
    ly = y - fy;
    const scalar_t hx = 1 - lx, hy = 1 - ly;
    const bool in_x0 = x0 >= 0, in_x1 = x0 + 1 < width;
    const bool in_y0 = y0 >= 0, in_y1 = y0 + 1 < height;
    // corner order: (y0, x0), (y0, x1), (y1, x0), (y1, x1)
    row[0] = in_y0 && in_x0 ? (y0 * width + x0) * row_stride : -1;
    row[1] = in_y0 && in_x1 ? (y0 * width + x0 + 1) * row_stride : -1;
    row[2] = in_y1 && in_x0 ? ((y0 + 1) * width + x0) * row_stride : -1;
    row[3] = in_y1 && in_x1 ? ((y0 + 1) * width + x0 + 1) * row_stride : -1;
    weight[0] = hy * hx;
    weight[1] = hy * lx;
    weight[2] = ly * hx;
    weight[3] = ly * lx;
  }
};

// <a, b> with eight partial sums (vectorisable without reassociation flags)
template <typename scalar_t>
inline scalar_t dot_product(const scalar_t* a, const scalar_t* b, int64_t n) {
  scalar_t part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) part[j] += a[i + j] * b[i + j];
  }
  for (; i < n; ++i) part[0] += a[i] * b[i];
  return ((part[0] + part[1]) + (part[2] + part[3])) +
         ((part[4] + part[5]) + (part[6] + part[7]));
}

struct Sizes {
  int64_t bs, num_value, heads, dims, num_query, levels, points;
};

template <typename scalar_t>
void forward_impl(const scalar_t* value, const int64_t* shapes,
                  const int64_t* starts, const scalar_t* locations,
                  const scalar_t* weights, scalar_t* output, Sizes s) {
  const int64_t row_stride = s.heads * s.dims;
  const int64_t samples = s.levels * s.points;
  parallel_range(s.bs * s.num_query, 16, [&](int64_t begin, int64_t end) {
    for (int64_t bq = begin; bq < end; ++bq) {
      const int64_t b = bq / s.num_query;
      for (int64_t h = 0; h < s.heads; ++h) {
        const int64_t qh = bq * s.heads + h;
        scalar_t* out = output + qh * s.dims;
        std::fill(out, out + s.dims, scalar_t(0));
        const scalar_t* loc = locations + qh * samples * 2;
        const scalar_t* attn = weights + qh * samples;
        for (int64_t l = 0; l < s.levels; ++l) {
          const scalar_t* level =
              value + ((b * s.num_value + starts[l]) * s.heads + h) * s.dims;
          for (int64_t p = 0; p < s.points; ++p, loc += 2, ++attn) {
            Corners<scalar_t> c(loc[0], loc[1], shapes[2 * l],
                                shapes[2 * l + 1], row_stride);
            if (!c.any) continue;
            for (int k = 0; k < 4; ++k) {
              if (c.row[k] < 0) continue;
              const scalar_t w = *attn * c.weight[k];
              const scalar_t* v = level + c.row[k];
              for (int64_t d = 0; d < s.dims; ++d) out[d] += w * v[d];
            }
          }
        }
      }
    }
  });
}

template <typename scalar_t>
void backward_impl(const scalar_t* value, const int64_t* shapes,
                   const int64_t* starts, const scalar_t* locations,
                   const scalar_t* weights, const scalar_t* grad_output,
                   scalar_t* grad_value, scalar_t* grad_locations,
                   scalar_t* grad_weights, Sizes s) {
  const int64_t row_stride = s.heads * s.dims;
  const int64_t samples = s.levels * s.points;
  parallel_range(s.bs * s.heads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / s.heads, h = bh % s.heads;
      for (int64_t q = 0; q < s.num_query; ++q) {
        const int64_t qh = (b * s.num_query + q) * s.heads + h;
        const scalar_t* grad = grad_output + qh * s.dims;
        const scalar_t* loc = locations + qh * samples * 2;
        const scalar_t* attn = weights + qh * samples;
        scalar_t* grad_loc = grad_locations + qh * samples * 2;
        scalar_t* grad_attn = grad_weights + qh * samples;
        for (int64_t l = 0; l < s.levels; ++l) {
          const int64_t height = shapes[2 * l], width = shapes[2 * l + 1];
          const int64_t offset =
              ((b * s.num_value + starts[l]) * s.heads + h) * s.dims;
          const scalar_t* level = value + offset;
          scalar_t* grad_level = grad_value + offset;
          for (int64_t p = 0; p < s.points;
               ++p, loc += 2, ++attn, grad_loc += 2, ++grad_attn) {
            Corners<scalar_t> c(loc[0], loc[1], height, width, row_stride);
            grad_loc[0] = grad_loc[1] = *grad_attn = 0;
            if (!c.any) continue;
            // dot[k]: <grad, value at corner k>
            scalar_t dot[4] = {0, 0, 0, 0};
            for (int k = 0; k < 4; ++k) {
              if (c.row[k] < 0) continue;
              const scalar_t* v = level + c.row[k];
              scalar_t* gv = grad_level + c.row[k];
              const scalar_t w = *attn * c.weight[k];
              for (int64_t d = 0; d < s.dims; ++d) gv[d] += w * grad[d];
              dot[k] = dot_product(grad, v, s.dims);
            }
            *grad_attn = c.weight[0] * dot[0] + c.weight[1] * dot[1] +
                         c.weight[2] * dot[2] + c.weight[3] * dot[3];
            const scalar_t hx = 1 - c.lx, hy = 1 - c.ly;
            // d(sample)/dx and d(sample)/dy in pixels, then x = loc_x * w
            const scalar_t dx =
                hy * (dot[1] - dot[0]) + c.ly * (dot[3] - dot[2]);
            const scalar_t dy =
                hx * (dot[2] - dot[0]) + c.lx * (dot[3] - dot[1]);
            grad_loc[0] = *attn * dx * width;
            grad_loc[1] = *attn * dy * height;
          }
        }
      }
    }
  });
}

Sizes check_inputs(const at::Tensor& value, const at::Tensor& spatial_shapes,
                   const at::Tensor& level_start_index,
                   const at::Tensor& locations, const at::Tensor& weights) {
  for (const auto* t : {&value, &spatial_shapes, &level_start_index,
                        &locations, &weights}) {
    TORCH_CHECK(t->device().is_cpu(), "ms_deform_attn_cpu: CPU tensors only");
    TORCH_CHECK(t->is_contiguous(), "ms_deform_attn_cpu: contiguous only");
  }
  TORCH_CHECK(spatial_shapes.scalar_type() == at::kLong &&
                  level_start_index.scalar_type() == at::kLong,
              "ms_deform_attn_cpu: spatial_shapes and level_start_index "
              "must be int64");
  TORCH_CHECK(locations.scalar_type() == value.scalar_type() &&
                  weights.scalar_type() == value.scalar_type(),
              "ms_deform_attn_cpu: value, locations and weights must share "
              "a dtype");
  TORCH_CHECK(value.dim() == 4 && locations.dim() == 6 && weights.dim() == 5,
              "ms_deform_attn_cpu: expected value (bs, nv, heads, dims), "
              "locations (bs, nq, heads, levels, points, 2), weights (bs, "
              "nq, heads, levels, points)");
  Sizes s{value.size(0),     value.size(1),     value.size(2),
          value.size(3),     locations.size(1), locations.size(3),
          locations.size(4)};
  TORCH_CHECK(locations.size(0) == s.bs && locations.size(2) == s.heads &&
                  locations.size(5) == 2,
              "ms_deform_attn_cpu: locations do not match value");
  TORCH_CHECK(weights.size(0) == s.bs && weights.size(1) == s.num_query &&
                  weights.size(2) == s.heads && weights.size(3) == s.levels &&
                  weights.size(4) == s.points,
              "ms_deform_attn_cpu: attention weights do not match locations");
  TORCH_CHECK(spatial_shapes.size(0) == s.levels &&
                  level_start_index.size(0) == s.levels,
              "ms_deform_attn_cpu: one (h, w) and start per level expected");
  return s;
}

at::Tensor forward(const at::Tensor& value, const at::Tensor& spatial_shapes,
                   const at::Tensor& level_start_index,
                   const at::Tensor& locations, const at::Tensor& weights) {
  const Sizes s = check_inputs(value, spatial_shapes, level_start_index,
                               locations, weights);
  auto output = at::empty({s.bs, s.num_query, s.heads * s.dims},
                          value.options());
  AT_DISPATCH_FLOATING_TYPES(value.scalar_type(), "ms_deform_attn_cpu", [&] {
    forward_impl<scalar_t>(
        value.data_ptr<scalar_t>(), spatial_shapes.data_ptr<int64_t>(),
        level_start_index.data_ptr<int64_t>(),
        locations.data_ptr<scalar_t>(), weights.data_ptr<scalar_t>(),
        output.data_ptr<scalar_t>(), s);
  });
  return output;
}

std::vector<at::Tensor> backward(const at::Tensor& value,
                                 const at::Tensor& spatial_shapes,
                                 const at::Tensor& level_start_index,
                                 const at::Tensor& locations,
                                 const at::Tensor& weights,
                                 const at::Tensor& grad_output) {
  const Sizes s = check_inputs(value, spatial_shapes, level_start_index,
                               locations, weights);
  TORCH_CHECK(grad_output.is_contiguous() &&
                  grad_output.scalar_type() == value.scalar_type() &&
                  grad_output.numel() == s.bs * s.num_query * s.heads * s.dims,
              "ms_deform_attn_cpu: grad_output does not match the output");
  auto grad_value = at::zeros_like(value);
  auto grad_locations = at::empty_like(locations);
  auto grad_weights = at::empty_like(weights);
  AT_DISPATCH_FLOATING_TYPES(value.scalar_type(), "ms_deform_attn_cpu", [&] {
    backward_impl<scalar_t>(
        value.data_ptr<scalar_t>(), spatial_shapes.data_ptr<int64_t>(),
        level_start_index.data_ptr<int64_t>(),
        locations.data_ptr<scalar_t>(), weights.data_ptr<scalar_t>(),
        grad_output.data_ptr<scalar_t>(), grad_value.data_ptr<scalar_t>(),
        grad_locations.data_ptr<scalar_t>(), grad_weights.data_ptr<scalar_t>(),
        s);
  });
  return {grad_value, grad_locations, grad_weights};
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("forward", &forward, "multi-scale deformable attention (CPU)");
  m.def("backward", &backward,
        "gradients of value, sampling locations and attention weights");
}
