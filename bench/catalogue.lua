-- A mix of catalogue requests: a third unfiltered, a third by sector, a third by sector and region, pages 1-5.
local sectors = {"AGR", "IND", "TOU", "HEA", "EDU", "ENR", "ICT", "LOG"}
math.randomseed(42)
request = function()
  local kind = math.random(3)
  local page = math.random(5)
  local path = "/projects/?page=" .. page
  if kind >= 2 then path = path .. "&sector=" .. sectors[math.random(#sectors)] end
  if kind == 3 then path = path .. string.format("&region=MA-%02d", math.random(12)) end
  return wrk.format("GET", path)
end
