// Geometry of the 3D stage: points and directions in world units (y up, the floor at y = 0),
// the perspective camera that looks at them, and where a point lands in the picture. Every
// function is small and inline: the scene frames its camera with them and the drawing
// projects every corner of every face with them.
#pragma once

#include <cmath>
#include <numbers>
#include <optional>

namespace stemviz {

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

inline Vec3 operator-(const Vec3& a, const Vec3& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator+(const Vec3& a, const Vec3& b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator*(const Vec3& a, double s) { return {a.x * s, a.y * s, a.z * s}; }
inline double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
// `v` scaled to length 1; straight up for the zero vector.
inline Vec3 normalize(const Vec3& v) {
  const double length = std::sqrt(dot(v, v));
  return length > 0.0 ? v * (1.0 / length) : Vec3{0, 1, 0};
}
// `p` turned by `angle` radians about the vertical axis.
inline Vec3 rotate_y(const Vec3& p, double angle) {
  const double c = std::cos(angle), s = std::sin(angle);
  return {p.x * c + p.z * s, p.y, -p.x * s + p.z * c};
}
inline double radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

// Where the camera looks from, as a scene's [camera] describes it at one instant.
struct CameraPose {
  double azimuth = 0, elevation = 0;  // degrees: around the target, and above the floor
  double fov = 40;                    // vertical field of view, degrees, 1..170
  std::optional<double> distance;     // world units from the target; none: fitted to the scene
  Vec3 target;
};

struct Camera {
  Vec3 position, right, up, forward;
  double focal_px = 1.0;  // pixels per unit of x/z at the image plane
};

// The camera of `pose` at `distance` from its target, for a picture `height` pixels high.
inline Camera make_camera(const CameraPose& pose, double distance, int height) {
  const double az = radians(pose.azimuth), el = radians(pose.elevation);
  const Vec3 direction{std::cos(el) * std::sin(az), std::sin(el), std::cos(el) * std::cos(az)};
  Camera camera;
  camera.position = pose.target + direction * distance;
  camera.forward = normalize(pose.target - camera.position);
  camera.right = normalize(cross(camera.forward, Vec3{0, 1, 0}));
  camera.up = cross(camera.right, camera.forward);
  camera.focal_px = (height / 2.0) / std::tan(radians(pose.fov) / 2.0);
  return camera;
}

struct Projected {
  double x, y;   // pixels in a `width` x `height` picture, y down
  double depth;  // along the view direction; not in front of the camera when <= 0
};

inline Projected project(const Camera& camera, const Vec3& p, int width, int height) {
  const Vec3 v = p - camera.position;
  const double depth = dot(v, camera.forward);
  return {width / 2.0 + dot(v, camera.right) / depth * camera.focal_px,
          height / 2.0 - dot(v, camera.up) / depth * camera.focal_px, depth};
}

}  // namespace stemviz
